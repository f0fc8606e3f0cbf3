package ato_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/atotest"
	"github.com/rampartsec/rampart/event"
)

// BenchmarkObserve measures detection throughput in memory over the
// generated traffic (benign logins and campaigns), replayed in a loop
// with its times shifted so the windows keep moving.
func BenchmarkObserve(b *testing.B) {
	benchObserve(b, ato.NewMemory(ato.MemoryConfig{}))
}

func benchObserve(b *testing.B, w ato.Window) {
	tr := atotest.Generate(1)
	span := tr.Events[len(tr.Events)-1].Time.Sub(tr.Events[0].Time) + time.Hour
	d := ato.New(ato.Config{}, w)
	ctx := context.Background()
	evs := make([]event.Event, len(tr.Events))
	for i, ev := range tr.Events {
		evs[i] = *ev
	}
	b.ReportAllocs()
	i, round := 0, 0
	for b.Loop() {
		ev := evs[i]
		ev.Time = ev.Time.Add(time.Duration(round) * span)
		if _, err := d.Observe(ctx, &ev); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(evs) {
			i, round = 0, round+1
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkObserveBusy measures throughput on a busy service: 100,000
// users logging in at 5,000 attempts per second of event time, 10% of
// them failing, with a distributed stuffing campaign of 2,000 IPs running
// through it (a third of the failures).
func BenchmarkObserveBusy(b *testing.B) {
	benchBusy(b, ato.NewMemory(ato.MemoryConfig{}))
}

func busyEvents(n int) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		h := uint64(i)*0x9e3779b97f4a7c15 ^ 0xdeadbeef
		h ^= h >> 29
		u := int(h % 100_000)
		ev := event.Event{Type: event.TypeLoginSuccess, IP: "198.18." + itoa(u/250%256) + "." + itoa(u%250+1),
			Usr: &event.User{ID: "id" + itoa(u), Login: "user" + itoa(u) + "@shop.example"}}
		switch h >> 40 % 40 {
		case 0, 1:
			ev.Type = event.TypeLoginFailure
			ev.Usr = &event.User{Login: ev.Usr.Login, Exists: &yes}
		case 2:
			ev.Type = event.TypeLoginFailure
			ev.IP = "100.64." + itoa(int(h>>16%8)) + "." + itoa(int(h>>24%250)+1)
			ev.Usr = &event.User{Login: "combo" + itoa(int(h>>8%1_000_000)), Exists: &no}
		}
		evs[i] = ev
	}
	return evs
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

func benchBusy(b *testing.B, w ato.Window) {
	evs := busyEvents(100_000)
	d := ato.New(ato.Config{}, w)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		ev.Time = start.Add(time.Duration(i) * 200 * time.Microsecond)
		if _, err := d.Observe(ctx, &ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
