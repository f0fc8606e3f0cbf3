package extension

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/lambdaguard"
)

// The Runtime API paths the proxy looks into; every other request is
// passed through as it is.
const (
	runtimePrefix = "/2018-06-01/runtime/invocation/"
	nextPath      = runtimePrefix + "next"
)

// ProxyStats are a Proxy's counters.
type ProxyStats struct {
	Invocations int64 `json:"invocations"` // events fetched from Lambda
	Inspected   int64 `json:"inspected"`   // HTTP events evaluated
	Blocked     int64 `json:"blocked"`     // invocations answered by the proxy
	// Bypassed counts the invocations Lambda announced to the extension
	// that the runtime did not fetch through the proxy: they reached the
	// function uninspected (see Extension).
	Bypassed int64 `json:"bypassed"`
}

// Proxy sits between a function's runtime and the Lambda Runtime API (the
// function's AWS_LAMBDA_RUNTIME_API points at it). It fetches each
// invocation for the function, evaluates HTTP-shaped events (API Gateway,
// ALB, Function URL) with the agent, and answers a blocked one itself with
// the block response in the event's format, so that the function never
// sees it; it then fetches the next invocation for the function. The
// function's response then runs the response rules. Everything else goes
// through unchanged.
type Proxy struct {
	// Upstream is the real Runtime API ("127.0.0.1:9001").
	Upstream string
	// Agent evaluates the events; nil passes everything through.
	Agent *rampart.Agent
	// Logger receives faults; nil means slog.Default().
	Logger *slog.Logger

	once     sync.Once
	client   *http.Client
	rp       *httputil.ReverseProxy
	mu       sync.Mutex
	inflight map[string]*rampart.Request
	// fetched holds the ids of the invocations fetched through the proxy
	// that the extension has not yet looked for (passedThrough).
	fetched map[string]struct{}

	invocations, inspected, blocked, bypassed atomic.Int64
}

// maxFetched bounds Proxy.fetched: ids the extension never asks about (an
// extension that missed events) must not pile up.
const maxFetched = 1024

// passedThrough reports whether the invocation id was fetched through the
// proxy, and forgets it.
func (p *Proxy) passedThrough(id string) bool {
	p.init()
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.fetched[id]
	delete(p.fetched, id)
	return ok
}

// Stats returns the counters.
func (p *Proxy) Stats() ProxyStats {
	return ProxyStats{Invocations: p.invocations.Load(), Inspected: p.inspected.Load(), Blocked: p.blocked.Load(), Bypassed: p.bypassed.Load()}
}

func (p *Proxy) init() {
	p.once.Do(func() {
		p.client = &http.Client{} // no timeout: next is a long poll
		p.rp = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: p.Upstream})
		p.inflight = make(map[string]*rampart.Request)
		p.fetched = make(map[string]struct{})
	})
}

func (p *Proxy) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// ServeHTTP proxies one Runtime API request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == nextPath:
		p.next(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(path, runtimePrefix) && (strings.HasSuffix(path, "/response") || strings.HasSuffix(path, "/error")):
		id := strings.TrimPrefix(path, runtimePrefix)
		id = id[:strings.LastIndexByte(id, '/')]
		p.finish(w, r, id, strings.HasSuffix(path, "/error"))
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// next fetches invocations until one is for the function.
func (p *Proxy) next(w http.ResponseWriter, r *http.Request) {
	for {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://"+p.Upstream+nextPath, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := p.client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, lambdaguard.MaxPayload+1))
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if resp.StatusCode == http.StatusOK && id != "" {
			p.invocations.Add(1)
			p.mu.Lock()
			if len(p.fetched) >= maxFetched {
				clear(p.fetched)
			}
			p.fetched[id] = struct{}{}
			p.mu.Unlock()
			if p.inspect(r.Context(), id, body) {
				continue // answered here: fetch the next one for the function
			}
		}
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
}

// inspect evaluates one invocation; it returns true when it answered it
// (blocked). A fault inside rampart is recovered: the event goes to the
// function (fail open).
func (p *Proxy) inspect(ctx context.Context, id string, body []byte) (answered bool) {
	if p.Agent == nil {
		return false
	}
	defer p.Agent.Recover() // answered stays false: the event goes to the function
	ev, err := lambdaguard.Decode(body)
	if err == lambdaguard.ErrPayloadTooLarge {
		p.Agent.Stats().Truncated.Add(1)
	}
	if ev.Kind == lambdaguard.KindOther {
		return false
	}
	p.inspected.Add(1)
	sec := p.Agent.Begin(ev.Request)
	if sec == nil {
		return false
	}
	a := sec.Blocked()
	if a == nil {
		p.mu.Lock()
		p.inflight[id] = sec
		p.mu.Unlock()
		return false
	}
	resp := lambdaguard.BlockResponse(a, ev.Header("accept"))
	out, err := ev.Marshal(resp, a.RuleID)
	if err != nil {
		sec.Finish(0)
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.Upstream+runtimePrefix+id+"/response", bytes.NewReader(out))
	if err != nil {
		sec.Finish(0)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := p.client.Do(req)
	if err != nil {
		sec.Finish(0)
		p.logger().Error("rampart extension: answering a blocked invocation", "error", err)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4096))
	r.Body.Close()
	if r.StatusCode/100 != 2 {
		sec.Finish(0)
		p.logger().Error("rampart extension: answering a blocked invocation", "status", r.Status)
		return false
	}
	sec.Finish(resp.StatusCode)
	p.blocked.Add(1)
	return true
}

// finish forwards the function's response (or error) and finishes the
// invocation's evaluation with its status.
func (p *Proxy) finish(w http.ResponseWriter, r *http.Request, id string, failed bool) {
	// Only a prefix is read, for the status: the response itself (up to
	// 20 MB when streamed) is forwarded as it comes.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxStatusPrefix))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	sec := p.inflight[id]
	delete(p.inflight, id)
	p.mu.Unlock()
	if sec != nil {
		status := http.StatusBadGateway
		if !failed {
			var out struct {
				StatusCode int `json:"statusCode"`
			}
			if json.Unmarshal(body, &out) == nil && out.StatusCode > 0 {
				status = out.StatusCode
			} else {
				status = http.StatusOK
			}
		}
		sec.Finish(status)
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	p.rp.ServeHTTP(w, r)
}

// maxStatusPrefix is how much of a function's response is read to find its
// statusCode (a JSON response with a huge body may hide it further: the
// status is then taken as 200).
const maxStatusPrefix = 64 << 10
