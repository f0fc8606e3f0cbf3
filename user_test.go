package rampart_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/lambdaguard"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// events collects what an agent exports.
type collected struct{ eventtest.Recorder }

func (e *collected) users() []*event.Event {
	var out []*event.Event
	for _, ev := range e.Events() {
		if event.IsUserEvent(ev.Type) {
			out = append(out, ev)
		}
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// userAgent returns an agent exporting to the returned collector; with
// decisions, it polls them from a loopback server serving those.
func userAgent(t *testing.T, cfg rampart.Config, decisions ...map[string]any) (*rampart.Agent, *collected) {
	t.Helper()
	evs := &collected{}
	cfg.Enabled, cfg.Exporter, cfg.Logger = true, evs, quiet()
	cfg.Timeout = time.Second
	if decisions != nil {
		body, _ := json.Marshal(map[string]any{"version": 1, "decisions": decisions})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		t.Cleanup(srv.Close)
		cfg.Endpoint = srv.URL
	}
	a, err := rampart.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if decisions != nil {
		if err := a.Decisions().Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return a, evs
}

// serve runs h behind the middleware of a for one POST /login from
// 203.0.113.7 and returns the status.
func serve(a *rampart.Agent, h http.HandlerFunc) int {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/login", strings.NewReader(`{"login":"alice"}`))
	r.RemoteAddr = "203.0.113.7:5555"
	r.Header.Set("User-Agent", "curl/8.5")
	r.Header.Set("Content-Type", "application/json")
	httpguard.New(a, h).ServeHTTP(w, r)
	return w.Code
}

func TestTrackLoginFromRequest(t *testing.T) {
	a, evs := userAgent(t, rampart.Config{Service: "shop", Env: "test", Mode: rampart.ModeBlock})
	before := time.Now()
	var errs []error
	code := serve(a, func(w http.ResponseWriter, r *http.Request) {
		errs = append(errs,
			rampart.TrackLoginFailure(r.Context(), "Alice", true, rampart.WithMetadata(map[string]any{"password": "hunter2", "mfa": false, "tries": 2})),
			rampart.TrackLoginSuccess(r.Context(), "u-1", rampart.WithLogin("alice"), rampart.WithSessionID("s3cr3t-session-token")),
			rampart.TrackSignup(r.Context(), "u-2", rampart.WithLogin("bob")),
			rampart.TrackSessionCreate(r.Context(), "sess-9", "u-1"),
			rampart.TrackEvent(r.Context(), "password_reset", map[string]any{"via": "email"}),
			rampart.SetUser(r.Context(), rampart.User{ID: "u-1"}),
		)
	})
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for i, err := range errs {
		if err != nil || rampart.ActionOf(err) != rampart.ActionAllow {
			t.Errorf("call %d: %v", i, err)
		}
	}
	got := evs.users()
	if len(got) != 5 { // SetUser sends no event
		t.Fatalf("%d user events, want 5", len(got))
	}
	wantTypes := []string{event.TypeLoginFailure, event.TypeLoginSuccess, event.TypeSignup, event.TypeSessionCreate, event.TypeCustom}
	for i, ev := range got {
		if ev.Type != wantTypes[i] || ev.IP != "203.0.113.7" || ev.UserAgent != "curl/8.5" || ev.Service != "shop" || ev.Env != "test" ||
			ev.Version != rampart.Version || ev.Time.Before(before.Add(-time.Second)) || ev.Time.After(time.Now()) || ev.Blocked {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
	f := got[0]
	if f.Usr == nil || f.Usr.Login != "Alice" || f.Usr.Exists == nil || !*f.Usr.Exists || f.Usr.ID != "" {
		t.Errorf("failure usr %+v", f.Usr)
	}
	if f.Metadata["password"] != "<redacted>" || f.Metadata["mfa"] != false || f.Metadata["tries"] != 2 {
		t.Errorf("metadata %v", f.Metadata)
	}
	s := got[1]
	if s.Usr.ID != "u-1" || s.Usr.Login != "alice" || s.Usr.Exists != nil {
		t.Errorf("success usr %+v", s.Usr)
	}
	if !strings.HasPrefix(s.SessionID, "sha256:") || strings.Contains(s.SessionID, "s3cr3t") {
		t.Errorf("session id sent as %q", s.SessionID)
	}
	if got[3].SessionID == "" || got[3].SessionID == "sess-9" || got[3].Usr.ID != "u-1" {
		t.Errorf("session event %+v", got[3])
	}
	if got[4].Name != "password_reset" || got[4].Metadata["via"] != "email" {
		t.Errorf("custom event %+v", got[4])
	}
	b, _ := json.Marshal(f)
	if !strings.Contains(string(b), `"usr":{"login":"Alice","exists":true}`) || !strings.Contains(string(b), `"type":"user.login.failure"`) {
		t.Errorf("wire form %s", b)
	}
}

func TestTrackBlockedUser(t *testing.T) {
	for _, mode := range []rampart.Mode{rampart.ModeBlock, rampart.ModeMonitor} {
		t.Run(string(mode), func(t *testing.T) {
			a, evs := userAgent(t, rampart.Config{Mode: mode})
			if err := a.Engine().UpdateData("blocked_users", []waf.DataEntry{{Value: "u-bad"}}); err != nil {
				t.Fatal(err)
			}
			var errOK, errBad error
			serve(a, func(w http.ResponseWriter, r *http.Request) {
				errOK = rampart.TrackLoginSuccess(r.Context(), "u-good")
				errBad = rampart.TrackLoginSuccess(r.Context(), "u-bad")
			})
			if errOK != nil {
				t.Fatalf("allowed user: %v", errOK)
			}
			last := evs.users()[1]
			if mode == rampart.ModeMonitor {
				if errBad != nil || last.Blocked {
					t.Fatalf("monitor mode: %v, blocked %v", errBad, last.Blocked)
				}
				return
			}
			var be *rampart.BlockedError
			if !errors.Is(errBad, rampart.ErrBlocked) || !errors.As(errBad, &be) || be.RuleID != "rp-block-user" || rampart.ActionOf(errBad) != rampart.ActionBlock {
				t.Fatalf("blocked user: %v", errBad)
			}
			if be.Action == nil || be.Action.StatusCode != 403 {
				t.Fatalf("action %+v", be.Action)
			}
			if !last.Blocked || last.Usr.ID != "u-bad" {
				t.Fatalf("event %+v", last)
			}
		})
	}
}

// TestTrackBlockedIP: with the request rules in monitor mode, the
// backend's block on the client IP is still enforced (Mode block): the
// request is answered 403 before the handler; and a user-event call made
// without a request, WithClientIP, is blocked too.
func TestTrackBlockedIP(t *testing.T) {
	a, _ := userAgent(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor})
	if err := a.Engine().UpdateData("blocked_ips", []waf.DataEntry{{Value: "203.0.113.0/24"}}); err != nil {
		t.Fatal(err)
	}
	var err error
	ran := false
	code := serve(a, func(w http.ResponseWriter, r *http.Request) {
		ran = true
		err = rampart.TrackLoginFailure(r.Context(), "alice", true)
	})
	if code != 403 || ran {
		t.Fatalf("status %d, handler ran %v, err %v", code, ran, err)
	}
	// without a request, WithClientIP says where it came from
	err = rampart.TrackLoginFailure(context.Background(), "alice", true, rampart.WithAgent(a), rampart.WithClientIP("203.0.113.50"))
	if rampart.ActionOf(err) != rampart.ActionBlock {
		t.Fatalf("no request, blocked IP: %v", err)
	}
	if err := rampart.TrackLoginFailure(context.Background(), "alice", true, rampart.WithAgent(a), rampart.WithClientIP("198.51.100.1")); err != nil {
		t.Fatalf("no request, other IP: %v", err)
	}
}

func TestTrackChallenge(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	a, evs := userAgent(t, rampart.Config{Mode: rampart.ModeBlock},
		map[string]any{"id": "d1", "kind": "challenge_user", "value": "u-victim", "expires_at": exp},
		map[string]any{"id": "d2", "kind": "challenge_user", "value": "carol@shop.example", "expires_at": exp},
		map[string]any{"id": "d3", "kind": "challenge_ip", "value": "198.51.100.0/24", "expires_at": exp},
		map[string]any{"id": "d4", "kind": "block_user", "value": "u-banned", "expires_at": exp},
	)
	var errs []error
	serve(a, func(w http.ResponseWriter, r *http.Request) {
		errs = append(errs,
			rampart.TrackLoginSuccess(r.Context(), "u-victim"),
			rampart.TrackLoginSuccess(r.Context(), "u-other", rampart.WithLogin(" Carol@Shop.example")),
			rampart.TrackLoginSuccess(r.Context(), "u-fine", rampart.WithLogin("dave")),
			rampart.TrackLoginSuccess(r.Context(), "u-banned"),
		)
	})
	var ce *rampart.ChallengeError
	if !errors.As(errs[0], &ce) || ce.Kind != "user" || ce.Value != "u-victim" || rampart.ActionOf(errs[0]) != rampart.ActionChallenge || !errors.Is(errs[0], rampart.ErrChallenge) {
		t.Fatalf("challenged user: %v", errs[0])
	}
	if !errors.As(errs[1], &ce) || ce.Value != "carol@shop.example" {
		t.Fatalf("challenged login: %v", errs[1])
	}
	if errs[2] != nil {
		t.Fatalf("unchallenged user: %v", errs[2])
	}
	if rampart.ActionOf(errs[3]) != rampart.ActionBlock {
		t.Fatalf("block decision through the poller: %v", errs[3])
	}
	if n := len(evs.users()); n != 4 {
		t.Fatalf("%d events, want 4 (a challenge is reported too)", n)
	}
	err := rampart.TrackLoginFailure(context.Background(), "eve", false, rampart.WithAgent(a), rampart.WithClientIP("198.51.100.9"))
	if !errors.As(err, &ce) || ce.Kind != "ip" || ce.Value != "198.51.100.9" {
		t.Fatalf("challenged IP: %v", err)
	}
	// in monitor mode nothing is enforced
	m, _ := userAgent(t, rampart.Config{Mode: rampart.ModeMonitor},
		map[string]any{"id": "d1", "kind": "challenge_user", "value": "u-victim", "expires_at": exp})
	if err := rampart.TrackLoginSuccess(context.Background(), "u-victim", rampart.WithAgent(m)); err != nil {
		t.Fatalf("monitor mode: %v", err)
	}
}

func TestTrackWithoutRequest(t *testing.T) {
	a, evs := userAgent(t, rampart.Config{Service: "worker"})
	if err := rampart.TrackLoginFailure(context.Background(), "mallory", false, rampart.WithAgent(a), rampart.WithClientIP("192.0.2.4"), rampart.WithUserAgent("okhttp")); err != nil {
		t.Fatal(err)
	}
	if err := rampart.TrackSignup(context.Background(), "u-3", rampart.WithAgent(a)); err != nil {
		t.Fatal(err)
	}
	got := evs.users()
	if len(got) != 2 || got[0].IP != "192.0.2.4" || got[0].UserAgent != "okhttp" || got[0].Service != "worker" || *got[0].Usr.Exists {
		t.Fatalf("events %+v", got)
	}
	if got[1].IP != "" || got[1].Usr.ID != "u-3" {
		t.Fatalf("signup %+v", got[1])
	}
	// disabled: nothing, no error
	rampart.Enable(nil)
	defer rampart.Enable(nil)
	if err := rampart.TrackLoginSuccess(context.Background(), "u"); err != nil {
		t.Fatal(err)
	}
	if err := rampart.SetUser(context.Background(), rampart.User{ID: "u"}); err != nil {
		t.Fatal(err)
	}
}

func TestActionOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want rampart.Action
	}{
		{nil, rampart.ActionAllow},
		{errors.New("db down"), rampart.ActionAllow},
		{&rampart.BlockedError{RuleID: "r"}, rampart.ActionBlock},
		{&rampart.ChallengeError{Kind: "ip", Value: "1"}, rampart.ActionChallenge},
		{errors.Join(errors.New("x"), rampart.ErrChallenge), rampart.ActionChallenge},
	} {
		if got := rampart.ActionOf(c.err); got != c.want {
			t.Errorf("ActionOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if rampart.ActionChallenge.String() != "challenge" || rampart.ActionBlock.String() != "block" || rampart.ActionAllow.String() != "allow" {
		t.Error("String")
	}
}

// BenchmarkTrackLoginFailure is a user-event call on the request path:
// the WAF over the user's addresses, the challenge lookup and the event.
func BenchmarkTrackLoginFailure(b *testing.B) {
	exp := time.Now().Add(time.Hour)
	evs := 0
	cfg := rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Logger: quiet(), Timeout: time.Second,
		Exporter: rampart.ExporterFunc(func(*event.Event) { evs++ })}
	body, _ := json.Marshal(map[string]any{"version": 1, "decisions": []map[string]any{{"id": "1", "kind": "challenge_user", "value": "someone", "expires_at": exp}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	cfg.Endpoint = srv.URL
	a, err := rampart.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	in := httpRequest()
	req := a.NewRequest(in)
	defer req.Finish(200)
	ctx := rampart.WithRequest(context.Background(), req)
	b.ReportAllocs()
	for b.Loop() {
		if err := rampart.TrackLoginFailure(ctx, "alice@example.com", true); err != nil {
			b.Fatal(err)
		}
	}
	if evs == 0 {
		b.Fatal("no events")
	}
}

func httpRequest() *httpinput.Request {
	return &httpinput.Request{Method: "POST", URI: "/login", RemoteAddr: "203.0.113.7:4000",
		Headers: [][2]string{{"User-Agent", "Mozilla/5.0"}, {"Content-Type", "application/json"}}}
}

// TestTrackInLambda: the same calls inside a Lambda handler (API Gateway
// HTTP API event): after a campaign, the attacker's IP is blocked and the
// targeted user is asked for step-up authentication, within the
// invocation.
func TestTrackInLambda(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	a, evs := userAgent(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor},
		map[string]any{"id": "d1", "kind": "block_ip", "value": "203.0.113.66", "expires_at": exp},
		map[string]any{"id": "d2", "kind": "challenge_user", "value": "victim@shop.example", "expires_at": exp},
	)
	handler := func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		var body struct{ Login, Password string }
		json.Unmarshal([]byte(ev.Body), &body)
		var err error
		if body.Password == "right" {
			err = rampart.TrackLoginSuccess(ctx, "id-"+body.Login, rampart.WithLogin(body.Login))
		} else {
			err = rampart.TrackLoginFailure(ctx, body.Login, true)
		}
		switch rampart.ActionOf(err) {
		case rampart.ActionBlock:
			return events.APIGatewayV2HTTPResponse{StatusCode: 403}, nil
		case rampart.ActionChallenge:
			return events.APIGatewayV2HTTPResponse{StatusCode: 401, Body: "mfa_required"}, nil
		}
		if body.Password == "right" {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 401}, nil
	}
	h := lambdaguard.New(a, handler).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	invoke := func(ip, login, password string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"login": login, "password": password})
		resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/login", Body: string(b),
			Headers:        map[string]string{"content-type": "application/json", "user-agent": "lambda-test"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/login", SourceIP: ip}}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := invoke("203.0.113.66", "someone@shop.example", "guess"); r.StatusCode != 403 {
		t.Errorf("attacker's next login: %d, want 403", r.StatusCode)
	}
	if r := invoke("198.51.100.2", "victim@shop.example", "right"); r.StatusCode != 401 || r.Body != "mfa_required" {
		t.Errorf("targeted user's next login: %d %q, want the challenge", r.StatusCode, r.Body)
	}
	if r := invoke("198.51.100.3", "other@shop.example", "right"); r.StatusCode != 200 {
		t.Errorf("another user: %d", r.StatusCode)
	}
	// The attacker's IP is blocked by the decision before the handler
	// runs, so its login reports no user event; the others do.
	got := evs.users()
	if len(got) != 2 || got[0].UserAgent != "lambda-test" || got[0].Blocked || got[1].Blocked {
		t.Fatalf("events %+v", got)
	}
}

// TestTrackAllocs: nothing allocated when rampart is off, a bounded number
// of allocations (the event and its user) on the request path.
func TestTrackAllocs(t *testing.T) {
	rampart.Enable(nil)
	defer rampart.Enable(nil)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { rampart.TrackLoginFailure(ctx, "alice", true) }); n != 0 {
		t.Errorf("disabled: %v allocations per call, want 0", n)
	}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Logger: quiet(), Timeout: time.Second,
		Exporter: rampart.ExporterFunc(func(*event.Event) {})})
	if err != nil {
		t.Fatal(err)
	}
	// The engine's background warm-up allocates too, and the count is of
	// the whole process: it is over first.
	<-a.Engine().Warmed()
	req := a.NewRequest(httpRequest())
	defer req.Finish(200)
	rctx := rampart.WithRequest(ctx, req)
	// No collection during the count: it would empty pools and count
	// their refill.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if n := testing.AllocsPerRun(100, func() { rampart.TrackLoginFailure(rctx, "alice", true) }); n > 6 {
		t.Errorf("enabled: %v allocations per call, want at most 6", n)
	}
}
