package rampart

import (
	"bytes"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// syncWriter is a bytes.Buffer for a logger.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) lines(sub string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, l := range strings.Split(w.b.String(), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

func xssRequest() *httpinput.Request {
	return &httpinput.Request{Method: "POST", URI: "/comments", RemoteAddr: "203.0.113.7:4000",
		Headers: [][2]string{{"Content-Type", "application/json"}, {"User-Agent", "curl/8.5.0"}},
		Body:    []byte(`{"comment":"<script>alert(document.cookie)</script>"}`)}
}

func serve(a *Agent, in *httpinput.Request) *Request {
	r := a.NewRequest(in)
	r.Body()
	r.Finish(200)
	return r
}

// A request that runs out of the time budget is never silent: it is
// reported as an event with timed_out and the rules that did not run,
// counted, and logged at most once a minute with the count since the
// last line.
func TestTimeoutIsReported(t *testing.T) {
	rec := &eventtest.Recorder{}
	logs := &syncWriter{}
	a, err := New(Config{Enabled: true, Mode: ModeBlock, Timeout: time.Microsecond, Exporter: rec,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	const warning = "ran out of the WAF's time budget"
	r := serve(a, xssRequest())
	if !r.TimedOut() {
		t.Fatal("a 1 µs budget did not run out")
	}
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want the timed-out request's", len(evs))
	}
	ev := evs[0]
	if !ev.TimedOut || ev.NotRunCount == 0 || len(ev.NotRun) != min(ev.NotRunCount, event.MaxNotRun) || ev.Request == nil || ev.Request.URI != "/comments" {
		t.Fatalf("event %+v", ev)
	}
	if ev.Type != event.TypeRequest && ev.Type != event.TypeAttack {
		t.Errorf("event type %q", ev.Type)
	}
	if ev.Type == event.TypeRequest && (ev.Blocked || len(ev.Triggers) != 0) {
		t.Errorf("a request event with no match: %+v", ev)
	}
	if a.Stats().Timeouts.Load() != 1 {
		t.Errorf("Timeouts = %d", a.Stats().Timeouts.Load())
	}
	if got := logs.lines(warning); len(got) != 1 || !strings.Contains(got[0], "requests=1") || !strings.Contains(got[0], "budget=1µs") {
		t.Fatalf("warning lines %q", got)
	}
	for range 5 {
		serve(a, xssRequest())
	}
	if got := logs.lines(warning); len(got) != 1 {
		t.Fatalf("%d warning lines within a minute, want 1", len(got))
	}
	if n := len(rec.Events()); n != 6 || a.Stats().Timeouts.Load() != 6 {
		t.Fatalf("%d events and %d timeouts counted, want 6 each", n, a.Stats().Timeouts.Load())
	}
	// A minute later the next timeout logs the count since the last line.
	a.timeouts.last.Add(-int64(TimeoutLogInterval))
	serve(a, xssRequest())
	got := logs.lines(warning)
	if len(got) != 2 || !strings.Contains(got[1], "requests=6") || !strings.Contains(got[1], "since=1m0s") {
		t.Fatalf("warning lines %q, want the second with requests=6 since=1m0s", got)
	}
}

// With the default budget, the attack of the first request of a fresh
// agent is evaluated in full and blocked, whatever expressions it reaches
// first; and an ordinary request produces no event.
//
// The verdict is the evaluation's cost, not the machine's load. The
// goroutine keeps its thread, so that past a quarter of the budget it
// counts the thread's CPU time (see waf.Options.Timeout), not the time a
// loaded machine keeps the thread waiting; what the clock charges before
// that is bounded, but can add up over a request's runs on a machine
// loaded enough, so a try that runs out is made again with a new fresh
// agent: an evaluation that costs more than the budget runs out every
// time. The race detector multiplies the cost itself: the default budget
// is for real builds.
func TestFirstRequestBlocked(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector multiplies evaluation time several times; the budget is for real builds")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const tries = 3
	for try := 1; ; try++ {
		rec := &eventtest.Recorder{}
		a, err := New(Config{Enabled: true, Mode: ModeBlock, Exporter: rec, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		r := serve(a, xssRequest())
		benign := xssRequest()
		benign.Body = []byte(`{"comment":"Nice post, thanks for sharing!"}`)
		rb := serve(a, benign)
		if (r.TimedOut() || rb.TimedOut()) && try < tries {
			t.Logf("try %d ran out of the budget (attack %v, benign %v): again with a fresh agent", try, r.TimedOut(), rb.TimedOut())
			continue
		}
		if r.TimedOut() || r.Blocked() == nil {
			t.Fatalf("first request: timed out %v, blocked %v (try %d of %d)", r.TimedOut(), r.Blocked(), try, tries)
		}
		if rb.TimedOut() || rb.Blocked() != nil {
			t.Fatalf("benign request: timed out %v, blocked %v (try %d of %d)", rb.TimedOut(), rb.Blocked(), try, tries)
		}
		if evs := rec.Events(); len(evs) != 1 || evs[0].Type != event.TypeAttack || evs[0].TimedOut {
			t.Fatalf("events %+v, want the attack alone", evs)
		}
		return
	}
}
