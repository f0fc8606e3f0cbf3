package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampartsec/rampart/event"
)

// BenchmarkEncode measures the encoding of one batch of 100 attack events
// (the envelope, the events' JSON and gzip), as send does once per batch.
func BenchmarkEncode(b *testing.B) {
	x := &Exporter{cfg: Config{Service: "shop", Env: "prod"}}
	batch := make([]*event.Event, 100)
	t := time.Now().UTC()
	for i := range batch {
		batch[i] = &event.Event{Type: event.TypeAttack, Time: t, Service: "shop", Blocked: true, Mode: "block",
			Request: &event.Request{Method: "GET", URI: fmt.Sprintf("/search?q=%d' OR 1=1--", i), ClientIP: "203.0.113.7",
				Headers: map[string]string{"accept": "*/*", "host": "shop.example"}},
			Triggers: []event.Trigger{{RuleID: "rp-sqli-001", Category: "sqli", Address: "server.request.query", KeyPath: []string{"q"}, Value: "' OR 1=1--"}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.encode(NewBatchID(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
