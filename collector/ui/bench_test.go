package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// seedSignals records n signals in the store: every type and severity,
// over five services, active over the last 30 days.
func seedSignals(tb testing.TB, st collector.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	const chunk = 2000
	batch := make([]collector.Signal, 0, chunk)
	for i := 0; i < n; i++ {
		typ := collector.SignalTypes[i%len(collector.SignalTypes)]
		at := now.Add(-time.Duration(i) * 30 * 24 * time.Hour / time.Duration(n))
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		batch = append(batch, collector.Signal{Key: fmt.Sprintf("bench\x1f%s\x1f%d", typ, i), Type: typ,
			Severity: collector.Severities[i%len(collector.Severities)], Title: fmt.Sprintf("%s from %s", typ, ip),
			Service: fmt.Sprintf("service-%d", i%5), Env: "prod", RuleID: fmt.Sprintf("rule-%03d", i%97),
			FirstSeen: at.Add(-time.Minute), LastSeen: at, IPs: []string{ip}, Users: []string{fmt.Sprintf("user%d", i%1000)}, Count: int64(1 + i%50)})
		if len(batch) == chunk || i == n-1 {
			if err := st.RecordSignals(ctx, batch); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

var nextRe = regexp.MustCompile(`href="(/signals\?[^"]*cursor=[^"]+)" id="next"`)

// BenchmarkSignalsPage renders the signals list over 100,000 signals in
// the SQLite store: the first page, a filtered page, a page reached by
// following "next page" 200 times (10,000 signals in), a signal's page and
// the open signals of one IP.
func BenchmarkSignalsPage(b *testing.B) {
	e := newEnv(b)
	start := time.Now()
	seedSignals(b, e.store, 100_000)
	b.Logf("seeded 100,000 signals in %s", time.Since(start).Round(time.Millisecond))
	adm := e.admin()
	deep := "/signals?status=&range=all"
	for i := 0; i < 200; i++ {
		_, body := adm.get(deep)
		m := nextRe.FindStringSubmatch(body)
		if m == nil {
			b.Fatalf("no next page after %d pages", i)
		}
		deep = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	sig := e.firstSignal(collector.SignalCredentialStuffing)
	for _, bc := range []struct{ name, path string }{
		{"first", "/signals?status=&range=all"},
		{"open", "/signals"},
		{"filtered", "/signals?type=exploit&severity=critical&status=&service=service-3&range=7d"},
		{"page201", deep},
		{"detail", "/signals/" + sig.ID},
		{"ip", "/signals?ip=10.0.0.5"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			resp, body := adm.get(bc.path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="sig"`) && bc.name != "detail" {
				b.Fatalf("%s: %d", bc.path, resp.StatusCode)
			}
			for b.Loop() {
				if resp, _ := adm.get(bc.path); resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkOverview renders the overview over 100,000 attack and exploit
// events of the last 24 hours (the overview is cached for 5 s: each
// iteration moves the clock past that, so each one aggregates).
func BenchmarkOverview(b *testing.B) {
	e := newEnv(b)
	now := time.Now().UTC()
	start := time.Now()
	for batch := 0; batch < 100; batch++ {
		evs := make([]*event.Event, 0, 1000)
		for i := 0; i < 1000; i++ {
			n := batch*1000 + i
			at := now.Add(-time.Duration(n) * 24 * time.Hour / 100_000)
			if n%50 == 0 {
				evs = append(evs, exploitEvent(at, fmt.Sprintf("203.0.113.%d", n%200), "ua", "/users?name=x", "SELECT 'x'", "x"))
				continue
			}
			evs = append(evs, &event.Event{Type: event.TypeAttack, Time: at, Blocked: n%3 == 0, Mode: "block", Version: "0.1.0",
				Request:  &event.Request{Method: "GET", URI: fmt.Sprintf("/r%d?q=%d", n%20, n), ClientIP: fmt.Sprintf("198.51.100.%d", n%250)},
				Triggers: []event.Trigger{{RuleID: fmt.Sprintf("rule-%d", n%30), Category: "sqli", Address: "server.request.query"}}})
		}
		e.ingest(fmt.Sprintf("service-%d", batch%4), evs...)
	}
	b.Logf("ingested 100,000 events in %s", time.Since(start).Round(time.Millisecond))
	adm := e.admin()
	resp, body := adm.get("/?range=24h")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "rule-1") {
		b.Fatalf("overview: %d", resp.StatusCode)
	}
	for b.Loop() {
		e.web.ForgetOverview()
		if resp, _ := adm.get("/?range=24h"); resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode)
		}
	}
}
