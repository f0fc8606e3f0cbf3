package collector_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

// FuzzDecodeBatch checks the ingest decoder on arbitrary bodies: it
// answers an *Error naming a field, or a batch within every limit whose
// events re-encode and decode to the same batch and signals.
func FuzzDecodeBatch(f *testing.F) {
	for _, evs := range [][]*event.Event{
		{storetest.Attack("r1", "203.0.113.7", 0)},
		{storetest.Exploit("main.go", 3, 1, "203.0.113.7"), storetest.Login("alice", "198.51.100.1", 2)},
	} {
		b, _ := collector.EncodeBatch("seed-1", "shop", "prod", evs)
		f.Add(b)
	}
	f.Add([]byte(` {"events":[{"type":"user.signup","time":"2026-11-30T12:00:00Z","usr":{"id":"a"}}] , "batch_id":"y", "events" : [ {"type":"user.signup","time":"2026-11-30T12:00:00Z","usr":{"id":"b\"}"}} , {"type":"custom","time":"2026-11-30T12:00:00Z"}]}`))
	f.Add([]byte(`{"batch_id":"x","EVENTS":[{"type":"custom","time":"2026-11-30T12:00:00Z"}]}`))
	f.Add([]byte(`{"batch_id":"x","events":[{"type":"custom","time":"2026-11-30T12:00:00Z","name":"n","metadata":{"a":[1,{"b":"c"}]}}]}`))
	f.Add([]byte(`{"batch_id":"x","events":[{"type":"attack","time":"2026-11-30T12:00:00Z","triggers":[{"rule_id":"r","address":"a","key_path":["k"]}],"request":{"client_ip":"::1"}}]}`))
	f.Add([]byte(`{"batch_id":"x","events":[],"dropped":3}`))
	f.Add([]byte(`{"batch_id":"x","events":[{"type":"custom","time":"2026-11-30T12:00:00Z"}],"dropped":-1}`))
	lim := collector.Limits{Events: 20, EventBytes: 8 << 10, StringBytes: 1 << 10, BodyBytes: 64 << 10}
	now := storetest.Attack("r", "1.2.3.4", 0).Time
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := collector.DecodeBatch(body, lim, now)
		if err != nil {
			e, ok := err.(*collector.Error)
			if !ok || e.Field == "" || e.Message == "" || (e.Code != collector.EInvalid && e.Code != collector.ETooLarge) {
				t.Fatalf("error %#v: want an invalid or too_large *Error naming a field", err)
			}
			return
		}
		if b.ID == "" || len(b.Events) == 0 && b.Dropped == 0 || len(b.Events) > 20 || len(b.Hash) != 64 ||
			b.Dropped < 0 || b.Dropped > collector.MaxDropped {
			t.Fatalf("batch outside the limits: id %q, %d events, %d dropped", b.ID, len(b.Events), b.Dropped)
		}
		if len(b.Events) == 0 {
			return // drops only: nothing to group
		}
		grouped := int64(0)
		evs := make([]*event.Event, len(b.Events))
		for i, se := range b.Events {
			ev := se.Event
			evs[i] = ev
			if !json.Valid(se.Raw) || len(se.Raw) > 8<<10 {
				t.Fatalf("event %d: raw JSON invalid or over the limit", i)
			}
			if ev.Time.IsZero() || ev.Time.After(now.Add(collector.DefaultLimits.Future)) {
				t.Fatalf("event %d: time %v passed", i, ev.Time)
			}
			if (ev.Type == event.TypeAttack || ev.Type == event.TypeExploit) != (se.SignalKey != "") {
				t.Fatalf("event %d (%s): signal key %q", i, ev.Type, se.SignalKey)
			}
			if se.SignalKey != "" {
				grouped++
			}
			// The event's bytes are its own: they decode to it.
			var e2 event.Event
			if err := json.Unmarshal(se.Raw, &e2); err != nil {
				t.Fatalf("event %d: raw does not decode: %v", i, err)
			}
			if e2.Service == "" {
				e2.Service = ev.Service
			}
			if e2.Env == "" {
				e2.Env = ev.Env
			}
			j1, _ := json.Marshal(ev)
			j2, _ := json.Marshal(&e2)
			if string(j1) != string(j2) {
				t.Fatalf("event %d: raw bytes are another event's:\n%s\n%s", i, j1, j2)
			}
		}
		var sum int64
		for _, s := range b.Signals {
			sum += s.Count
			if s.ID != collector.SignalID(s.Key) || s.Count < 1 || s.LastSeen.Before(s.FirstSeen) || len(s.IPs) > collector.MaxSignalValues {
				t.Fatalf("signal %+v", s)
			}
		}
		if sum != grouped {
			t.Fatalf("signals count %d events, %d were grouped", sum, grouped)
		}
		// Round trip: what the library would send for these events.
		again, err := collector.EncodeBatch(b.ID, "", "", evs)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := collector.DecodeBatch(again, collector.Limits{Events: 20, StringBytes: 1 << 10}, now)
		if err != nil {
			if strings.Contains(err.Error(), "over") {
				return // re-encoding may grow a value (escapes) past a limit
			}
			t.Fatalf("re-encoded batch refused: %v\n%s", err, again)
		}
		keys := func(b *collector.Batch) []string {
			var k []string
			for _, s := range b.Signals {
				k = append(k, s.Key)
			}
			return k
		}
		if !slices.Equal(keys(b), keys(b2)) {
			t.Fatalf("signals differ after a round trip: %q vs %q", keys(b), keys(b2))
		}
	})
}
