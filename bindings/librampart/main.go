// Command librampart is rampart's engine as a C shared library, for the
// runtimes that load it (the Python package, over ctypes):
//
//	go build -buildmode=c-shared -o librampart.so ./bindings/librampart
//
// Every entry point has one signature,
//
//	char *rampart_NAME(uint64_t handle, const char *in, size_t n, size_t *out_n);
//
// taking a JSON document of n bytes (copied: the caller keeps ownership of
// in) and returning a JSON document of *out_n bytes allocated with malloc,
// which the caller releases with rampart_free. Handles are opaque numbers,
// 0 meaning none. Every entry point recovers from a panic and then answers
// {"error": "..."}, as it does for a bad handle or bad JSON: the caller
// fails open. Entry points may be called from several threads at once.
//
// The entry points:
//
//   - agent_new(0, {"env": true}) → {"agent": H, "status": {...}}: the
//     process's agent from the environment (RAMPART_*), as a Go Lambda
//     function builds it (lambdaguard.NewAgent): events go to the rampart
//     extension when it runs, else to RAMPART_ENDPOINT, else to stderr. An
//     unusable configuration answers an error naming the variable.
//   - agent_status(agent, {}) → the agent's status and counters.
//   - agent_flush(agent, {"timeout_ms"}), agent_close(agent, {"timeout_ms"}).
//   - begin_lambda(agent, {"event": {...}}) → {"request": R, "kind",
//     "blocked", "response"}: a raw invocation event decoded and evaluated
//     as lambdaguard does; response is the block response in the event's
//     own shape when blocked.
//   - begin_http(agent, {"method", "uri", "headers": [[name, value]],
//     "body", "body_base64", "remote_addr"}) → {"request": R, "blocked",
//     "response": {"status", "headers", "body"}}: a plain HTTP request (a
//     WSGI or ASGI server's) evaluated as httpguard does.
//   - begin_event(agent, EVENT) → the same, the input being the event
//     document itself: it is read once, by the event's decoder (input that
//     is not JSON is an event of no HTTP kind, as in begin_lambda).
//   - check(request, {"sink", "resource", "argv", "dialect", "ip",
//     "stack": [{"function", "file", "line"}], "app_frame"}) → {"blocked",
//     "rule", "response"}: a sink call (sql, http, resolved, shell, exec,
//     file) against the request.
//   - user_event(agent, {"type", "request": R, "user_id", "login",
//     "exists", "session_id", "name", "metadata", "client_ip",
//     "user_agent"}) → {"action": "allow|block|challenge"}; type is
//     login_success, login_failure, signup, session_create, custom or
//     set_user.
//   - end(request, {"status"}) → {"blocked", "response"}: the request
//     finished with its response status and its events delivered; the
//     request's handle is released.
package main

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char *env_at(int i) { return environ[i]; }
*/
import "C"

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/lambdaguard"
	"github.com/rampartsec/rampart/waf/httpinput"
)

func main() {}

// maxInput bounds an entry point's input: a Lambda payload is at most
// 6 MB; the rest is metadata.
const maxInput = 16 << 20

// handles maps the numbers handed to the caller to the Go values they
// stand for.
var (
	handles sync.Map // uint64 → any
	nextID  atomic.Uint64
)

func put(v any) uint64 {
	id := nextID.Add(1)
	handles.Store(id, v)
	return id
}

func get[T any](id uint64) (T, error) {
	var zero T
	v, ok := handles.Load(id)
	if !ok {
		return zero, fmt.Errorf("unknown handle %d", id)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("handle %d is a %T", id, v)
	}
	return t, nil
}

// call runs f on the input and returns its answer as a C string; every
// fault becomes {"error": ...}.
func call(in *C.char, n C.size_t, outN *C.size_t, f func(in []byte) (any, error)) *C.char {
	var out any
	func() {
		defer func() {
			if p := recover(); p != nil {
				out = map[string]string{"error": fmt.Sprintf("internal error: %v", p), "stack": string(debug.Stack())}
			}
		}()
		if n > maxInput {
			out = map[string]string{"error": fmt.Sprintf("input of %d bytes, over the limit of %d", n, maxInput)}
			return
		}
		var b []byte
		if in != nil && n > 0 {
			b = C.GoBytes(unsafe.Pointer(in), C.int(n))
		}
		v, err := f(b)
		if err != nil {
			out = map[string]string{"error": err.Error()}
			return
		}
		out = v
	}()
	b, err := json.Marshal(out)
	if err != nil {
		b = []byte(`{"error":"cannot encode the answer"}`)
	}
	p := C.malloc(C.size_t(len(b)) + 1)
	C.memcpy(p, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	*(*byte)(unsafe.Add(p, len(b))) = 0
	if outN != nil {
		*outN = C.size_t(len(b))
	}
	return (*C.char)(p)
}

func decode(in []byte, v any) error {
	if len(in) == 0 {
		return nil
	}
	if err := json.Unmarshal(in, v); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	return nil
}

// entry runs f with the input decoded into a D and the handle h looked up
// as an H, the steps every entry point but agent_new begins with.
func entry[D, H any](h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t, f func(doc *D, v H) (any, error)) *C.char {
	return call(in, n, outN, func(b []byte) (any, error) {
		var doc D
		if raw, ok := any(&doc).(*json.RawMessage); ok {
			*raw = b // passed on as it is: its reader validates it
		} else if err := decode(b, &doc); err != nil {
			return nil, err
		}
		v, err := get[H](uint64(h))
		if err != nil {
			return nil, err
		}
		return f(&doc, v)
	})
}

// agent is an agent with the guard its invocations go through.
type agent struct {
	a *rampart.Agent
	g *lambdaguard.Guard
}

// request is a request in progress: a Lambda invocation (inv) or a plain
// HTTP request (sec alone).
type request struct {
	ag  *agent
	inv *lambdaguard.Invocation
	sec *rampart.Request
}

// security returns the request's security context, nil when rampart failed
// to begin it.
func (r *request) security() *rampart.Request {
	if r.inv != nil {
		return r.inv.Request()
	}
	return r.sec
}

// httpResponse is a block response as begin_http, check and end return
// it for a plain HTTP request.
type httpResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func newHTTPResponse(resp rampart.Response) httpResponse {
	h := make(map[string]string, len(resp.Header))
	for k, vs := range resp.Header {
		h[k] = strings.Join(vs, ", ")
	}
	return httpResponse{Status: resp.Status, Headers: h, Body: string(resp.Body)}
}

// blocked returns the block response in the request's own shape (the
// Lambda event's response, or an httpResponse), nil while it is not
// blocked.
func (r *request) blocked() any {
	if r.inv != nil {
		if b := r.inv.Blocked(); b != nil {
			return json.RawMessage(b)
		}
		return nil
	}
	if resp, ok := r.sec.BlockResponse(); ok {
		return newHTTPResponse(resp)
	}
	return nil
}

//export rampart_free
func rampart_free(p *C.char) { C.free(unsafe.Pointer(p)) }

//export rampart_agent_new
func rampart_agent_new(_ C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return call(in, n, outN, func(b []byte) (any, error) {
		var req struct {
			Env bool `json:"env"`
			// FlushTimeoutMS bounds the delivery of an invocation's
			// events at its end (lambdaguard.DefaultFlushTimeout when 0).
			FlushTimeoutMS int `json:"flush_timeout_ms"`
		}
		if err := decode(b, &req); err != nil {
			return nil, err
		}
		syncEnv()
		cfg, err := rampart.ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		if !cfg.Enabled {
			return nil, errors.New("rampart is off (RAMPART_ENABLED is not true)")
		}
		a, err := lambdaguard.NewAgent(cfg)
		if err != nil {
			return nil, err
		}
		rampart.Enable(a)
		ag := &agent{a: a, g: &lambdaguard.Guard{Agent: a, FlushTimeout: time.Duration(req.FlushTimeoutMS) * time.Millisecond}}
		return map[string]any{"agent": put(ag), "status": status(a)}, nil
	})
}

// syncEnv copies the process's RAMPART_ and AWS_ variables from the C
// environment into Go's: the Go runtime of a shared library took its copy
// when the library was loaded, and the host (Python's os.environ) may have
// changed them since.
func syncEnv() {
	for i := 0; ; i++ {
		p := C.env_at(C.int(i))
		if p == nil {
			return
		}
		kv := C.GoString(p)
		k, v, ok := strings.Cut(kv, "=")
		if ok && (strings.HasPrefix(k, "RAMPART_") || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "_X_AMZN_")) {
			os.Setenv(k, v)
		}
	}
}

func status(a *rampart.Agent) map[string]any {
	st := a.Status()
	s := a.Stats()
	return map[string]any{
		"mode": st.Mode, "waf_mode": st.WAFMode, "ruleset": st.Ruleset, "rules": st.Rules,
		"exploit_rules": st.ExploitRules, "rules_fallback": st.RulesFallback, "version": rampart.Version,
		"requests": s.Requests.Load(), "attacks": s.Attacks.Load(), "blocked": s.Blocked.Load(),
		"exploits": s.Exploits.Load(), "timeouts": s.Timeouts.Load(), "panics": s.Panics.Load(),
	}
}

//export rampart_agent_status
func rampart_agent_status(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(_ *struct{}, ag *agent) (any, error) {
		return status(ag.a), nil
	})
}

type timeoutDoc struct {
	TimeoutMS int `json:"timeout_ms"`
}

func (t timeoutDoc) ctx() (context.Context, context.CancelFunc) {
	d := time.Duration(t.TimeoutMS) * time.Millisecond
	if d <= 0 {
		d = 2 * time.Second
	}
	return context.WithTimeout(context.Background(), d)
}

//export rampart_agent_flush
func rampart_agent_flush(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(t *timeoutDoc, ag *agent) (any, error) {
		ctx, cancel := t.ctx()
		defer cancel()
		return map[string]bool{"ok": true}, ag.a.Flush(ctx)
	})
}

//export rampart_agent_close
func rampart_agent_close(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(t *timeoutDoc, ag *agent) (any, error) {
		handles.Delete(uint64(h))
		ctx, cancel := t.ctx()
		defer cancel()
		return map[string]bool{"ok": true}, ag.a.Close(ctx)
	})
}

//export rampart_begin_lambda
func rampart_begin_lambda(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(doc *struct {
		Event json.RawMessage `json:"event"`
	}, ag *agent) (any, error) {
		return begin(ag, doc.Event), nil
	})
}

// httpDoc is a plain HTTP request as begin_http takes it. Headers are
// name-value pairs in wire order; Body is text, or base64 when
// BodyBase64.
type httpDoc struct {
	Method     string      `json:"method"`
	URI        string      `json:"uri"`
	Headers    [][2]string `json:"headers"`
	Body       string      `json:"body"`
	BodyBase64 bool        `json:"body_base64"`
	RemoteAddr string      `json:"remote_addr"`
}

//export rampart_begin_http
func rampart_begin_http(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(doc *httpDoc, ag *agent) (any, error) {
		if doc.Method == "" || doc.URI == "" {
			return nil, errors.New("input: method and uri are required")
		}
		body := []byte(doc.Body)
		if doc.BodyBase64 {
			var err error
			if body, err = base64.StdEncoding.DecodeString(doc.Body); err != nil {
				return nil, fmt.Errorf("input: body: %w", err)
			}
		}
		sec := ag.a.Begin(&httpinput.Request{Method: doc.Method, URI: doc.URI, Headers: doc.Headers, Body: body, RemoteAddr: doc.RemoteAddr})
		r := &request{ag: ag, sec: sec}
		out := map[string]any{"request": put(r)}
		if sec == nil {
			return out, nil // rampart failed: the request goes on unprotected
		}
		if resp := r.blocked(); resp != nil {
			out["blocked"], out["response"] = true, resp
		}
		return out, nil
	})
}

//export rampart_begin_event
func rampart_begin_event(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(ev *json.RawMessage, ag *agent) (any, error) {
		return begin(ag, *ev), nil
	})
}

// begin starts the invocation of the event payload; its answer is the
// request's handle, the event's kind and, when blocked, the block response.
func begin(ag *agent, payload []byte) map[string]any {
	inv := ag.g.Begin(payload)
	out := map[string]any{"request": put(&request{ag: ag, inv: inv}), "kind": inv.Kind().String()}
	if resp := inv.Blocked(); resp != nil {
		out["blocked"], out["response"] = true, json.RawMessage(resp)
	}
	return out
}

//export rampart_check
func rampart_check(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(doc *struct {
		Sink     string        `json:"sink"`
		Resource string        `json:"resource"`
		Argv     []string      `json:"argv"`
		Dialect  string        `json:"dialect"`
		IP       string        `json:"ip"`
		Stack    []event.Frame `json:"stack"`
		App      *int          `json:"app_frame"`
	}, r *request) (any, error) {
		app := -1
		if doc.App != nil {
			app = *doc.App
		}
		err := r.security().Check(rampart.SinkCall{Sink: doc.Sink, Resource: doc.Resource, Argv: doc.Argv,
			System: doc.Dialect, IP: doc.IP, Stack: doc.Stack, App: app})
		var be *rampart.BlockedError
		switch {
		case errors.As(err, &be):
			out := map[string]any{"blocked": true, "rule": be.RuleID}
			if resp := r.blocked(); resp != nil {
				out["response"] = resp
			}
			return out, nil
		case err != nil:
			return nil, err
		}
		return map[string]bool{"blocked": false}, nil
	})
}

//export rampart_user_event
func rampart_user_event(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(doc *struct {
		Type      string         `json:"type"`
		Request   uint64         `json:"request"`
		UserID    string         `json:"user_id"`
		Login     string         `json:"login"`
		Exists    bool           `json:"exists"`
		SessionID string         `json:"session_id"`
		Name      string         `json:"name"`
		Metadata  map[string]any `json:"metadata"`
		ClientIP  string         `json:"client_ip"`
		UserAgent string         `json:"user_agent"`
	}, ag *agent) (any, error) {
		ctx := context.Background()
		opts := []rampart.UserOption{rampart.WithAgent(ag.a)}
		if doc.Request != 0 {
			r, err := get[*request](doc.Request)
			if err != nil {
				return nil, err
			}
			ctx = rampart.WithRequest(ctx, r.security())
		}
		if doc.Login != "" && doc.Type != "login_failure" {
			opts = append(opts, rampart.WithLogin(doc.Login))
		}
		if doc.UserID != "" && (doc.Type == "login_failure" || doc.Type == "custom") {
			opts = append(opts, rampart.WithUserID(doc.UserID))
		}
		if doc.SessionID != "" && doc.Type != "session_create" {
			opts = append(opts, rampart.WithSessionID(doc.SessionID))
		}
		if doc.Metadata != nil && doc.Type != "custom" {
			opts = append(opts, rampart.WithMetadata(doc.Metadata))
		}
		if doc.ClientIP != "" {
			opts = append(opts, rampart.WithClientIP(doc.ClientIP))
		}
		if doc.UserAgent != "" {
			opts = append(opts, rampart.WithUserAgent(doc.UserAgent))
		}
		var err error
		switch doc.Type {
		case "login_success":
			err = rampart.TrackLoginSuccess(ctx, doc.UserID, opts...)
		case "login_failure":
			err = rampart.TrackLoginFailure(ctx, doc.Login, doc.Exists, opts...)
		case "signup":
			err = rampart.TrackSignup(ctx, doc.UserID, opts...)
		case "session_create":
			err = rampart.TrackSessionCreate(ctx, doc.SessionID, doc.UserID, opts...)
		case "custom":
			err = rampart.TrackEvent(ctx, doc.Name, doc.Metadata, opts...)
		case "set_user":
			err = rampart.SetUser(ctx, rampart.User{ID: doc.UserID, Login: doc.Login, SessionID: doc.SessionID})
		default:
			return nil, fmt.Errorf("type %q: want login_success, login_failure, signup, session_create, custom or set_user", doc.Type)
		}
		return map[string]string{"action": rampart.ActionOf(err).String()}, nil
	})
}

//export rampart_end
func rampart_end(h C.uint64_t, in *C.char, n C.size_t, outN *C.size_t) *C.char {
	return entry(h, in, n, outN, func(doc *struct {
		Status int  `json:"status"`
		Failed bool `json:"failed"`
	}, r *request) (any, error) {
		handles.Delete(uint64(h))
		status := doc.Status
		if doc.Failed {
			status = 502 // what API Gateway answers for a failed function
		}
		if r.inv != nil {
			if resp := r.inv.End(context.Background(), status); resp != nil {
				return map[string]any{"blocked": true, "response": json.RawMessage(resp)}, nil
			}
			return map[string]bool{"blocked": false}, nil
		}
		if r.sec == nil {
			return map[string]bool{"blocked": false}, nil
		}
		if resp, ok := r.sec.BlockResponse(); ok {
			r.sec.Finish(resp.Status)
			return map[string]any{"blocked": true, "response": newHTTPResponse(resp)}, nil
		}
		r.sec.Finish(status)
		return map[string]bool{"blocked": false}, nil
	})
}
