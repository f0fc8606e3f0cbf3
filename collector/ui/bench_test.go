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
// the SQLite store: the first page, a filtered page, and a page reached
// by following "next page" 200 times (10,000 signals in).
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
