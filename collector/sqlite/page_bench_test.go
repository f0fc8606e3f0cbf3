package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
)

// BenchmarkSignalsPage pages through 100,000 signals as the web UI does:
// a page of 50 with a filter, its total, and the next page by cursor.
//
//	go test -run='^$' -bench=SignalsPage ./collector/sqlite
func BenchmarkSignalsPage(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	types := collector.SignalTypes
	const n = 100_000
	for start := 0; start < n; start += 1000 {
		var ups []collector.Signal
		for i := start; i < start+1000; i++ {
			at := t0.Add(time.Duration(i) * time.Second)
			ups = append(ups, collector.Signal{Key: fmt.Sprint("k", i), Type: types[i%len(types)], Severity: collector.Severities[i%4],
				Service: fmt.Sprint("svc", i%5), Title: "t", FirstSeen: at, LastSeen: at, IPs: []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}, Count: 1})
		}
		if err := st.RecordSignals(ctx, ups); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct {
		name string
		q    collector.SignalQuery
	}{
		{"all", collector.SignalQuery{}},
		{"type", collector.SignalQuery{Types: []string{collector.SignalExploit}}},
		{"type+severity+service", collector.SignalQuery{Types: []string{collector.SignalAttack}, Severities: []string{collector.SeverityHigh, collector.SeverityCritical}, Service: "svc1"}},
		{"last-day", collector.SignalQuery{Since: t0.Add(n*time.Second - 24*time.Hour)}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				p, err := st.Signals(ctx, q.q)
				if err != nil || len(p.Signals) == 0 {
					b.Fatal(err, len(p.Signals))
				}
				q2 := q.q
				q2.Cursor = p.NextCursor
				if _, err := st.Signals(ctx, q2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
