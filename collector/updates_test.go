package collector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

// TestCampaignCountGrowsDuringCooldown: a credential-stuffing campaign is
// detected and blocked; the attempts it makes afterwards, within the
// detector's cooldown, are added to its signal (the same signal, no new
// one), each once: the signal counts every attempt of the campaign, and a
// brute force likewise, on SQLite and on PostgreSQL.
func TestCampaignCountGrowsDuringCooldown(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			cfg := collector.Config{Detector: collector.NewATODetector(ato.New(ato.Config{Updates: true}, ato.NewMemory(ato.MemoryConfig{})), ato.Policy{})}
			if name == "postgres" {
				st, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
				if err != nil {
					t.Fatal(err)
				}
				cfg.Store = st
			}
			e := newEnv(t, cfg)
			const stuffer, brute = "203.0.113.50", "198.51.100.7"
			no, yes := false, true
			start := now.Add(-10 * time.Minute)
			seq := 0
			send := func(evs []*event.Event) {
				for len(evs) > 0 { // in batches of 7: several rounds of detection
					n := min(7, len(evs))
					seq++
					if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, fmt.Sprint("camp-", seq), evs[:n]...)); resp.StatusCode != 202 {
						t.Fatalf("ingest: %d %s", resp.StatusCode, b)
					}
					evs = evs[n:]
				}
			}
			attempt := 0
			stuffing := func(n int) {
				var evs []*event.Event
				for range n {
					evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Service: "shop", Time: start.Add(time.Duration(attempt) * 200 * time.Millisecond),
						IP: stuffer, Usr: &event.User{Login: fmt.Sprintf("user%04d@example.com", attempt), Exists: &no}})
					attempt++
				}
				send(evs)
			}
			signal := func(typ string, want int64) collector.Signal {
				t.Helper()
				var got collector.Signal
				deadline := time.Now().Add(15 * time.Second)
				for {
					_, b := e.do("GET", "/v1/signals?type="+typ, adminToken, nil)
					var page collector.SignalPage
					if err := json.Unmarshal(b, &page); err != nil {
						t.Fatal(err)
					}
					if len(page.Signals) > 1 {
						t.Fatalf("%d %s signals, want the campaign's one: %+v", len(page.Signals), typ, page.Signals)
					}
					if len(page.Signals) == 1 {
						got = page.Signals[0]
						if got.Count > want {
							t.Fatalf("%s counts %d attempts, %d were made", typ, got.Count, want)
						}
						if got.Count == want {
							return got
						}
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: %+v, want a count of %d", typ, got, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			// Detected at the 5th unknown login: the signal counts 5.
			stuffing(5)
			first := signal(ato.TypeCredentialStuffing, 5)
			// The signal is stored before its response: the block may
			// follow it by a moment.
			blocked := false
			for deadline := time.Now().Add(15 * time.Second); !blocked; time.Sleep(20 * time.Millisecond) {
				for _, d := range decisions(t, e) {
					blocked = blocked || (d.Kind == collector.BlockIP && d.Value == stuffer && d.SignalID == first.ID)
				}
				if !blocked && time.Now().After(deadline) {
					t.Fatalf("%s is not blocked for %s: %+v", stuffer, first.ID, decisions(t, e))
				}
			}
			// The campaign goes on within the cooldown (its events were on
			// their way before the block reached the agents).
			const more = 31
			stuffing(more)
			s := signal(ato.TypeCredentialStuffing, 5+more)
			if s.ID != first.ID || !s.LastSeen.After(first.LastSeen) {
				t.Errorf("the update: %+v, after %+v", s, first)
			}
			// A brute force, 15 guesses on bob.
			var evs []*event.Event
			for i := range 15 {
				evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Service: "shop", Time: start.Add(time.Minute + time.Duration(i)*300*time.Millisecond),
					IP: brute, Usr: &event.User{Login: "bob", Exists: &yes}})
			}
			send(evs)
			signal(ato.TypeBruteForce, 15)
			// Nothing more arrives late.
			time.Sleep(300 * time.Millisecond)
			signal(ato.TypeCredentialStuffing, 5+more)
			signal(ato.TypeBruteForce, 15)
			if n := e.srv.Stats().Updates.Load(); n == 0 {
				t.Error("no update recorded")
			}
		})
	}
}
