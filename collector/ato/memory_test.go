package ato_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/atotest"
	"github.com/rampartsec/rampart/event"
)

func TestMemoryContract(t *testing.T) {
	atotest.Run(t, func(t *testing.T, name string) ato.Window {
		return memories.get(t, name)
	})
}

// memories gives each test its own Memory per name.
var memories = memoryByTest{m: map[string]*ato.Memory{}}

type memoryByTest struct {
	mu sync.Mutex
	m  map[string]*ato.Memory
}

func (mt *memoryByTest) get(t *testing.T, name string) *ato.Memory {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	k := t.Name() + "\x00" + name
	if mt.m[k] == nil {
		mt.m[k] = ato.NewMemory(ato.MemoryConfig{})
	}
	return mt.m[k]
}

// TestMemoryEvictsLeastRecent checks the LRU order: the keys touched last
// survive, the global ones among them.
func TestMemoryEvictsLeastRecent(t *testing.T) {
	ctx := context.Background()
	m := ato.NewMemory(ato.MemoryConfig{MaxKeys: 10, MaxEntries: 1000})
	at := time.Unix(1_700_000_000, 0)
	for i := range 100 {
		m.Append(ctx, fmt.Sprint("ip", i), ato.Entry{Time: at, Value: "x"}, time.Hour, 8)
		m.Append(ctx, "global", ato.Entry{Time: at, Value: fmt.Sprint(i)}, time.Hour, 8)
	}
	keys, entries, evicted := m.Usage()
	if keys != 10 || evicted != 91 {
		t.Fatalf("keys %d evicted %d, want 10 and 91", keys, evicted)
	}
	if es, _ := m.Range(ctx, "global", at, at, 100); len(es) != 8 {
		t.Fatalf("global log lost: %d entries", len(es))
	}
	if es, _ := m.Range(ctx, "ip99", at, at, 100); len(es) != 1 {
		t.Fatalf("most recent key lost")
	}
	if es, _ := m.Range(ctx, "ip0", at, at, 100); len(es) != 0 {
		t.Fatalf("least recent key kept")
	}
	if entries != 9+8 {
		t.Fatalf("entries %d, want 17", entries)
	}
	m2 := ato.NewMemory(ato.MemoryConfig{MaxKeys: 1000, MaxEntries: 50})
	for i := range 100 {
		m2.Append(ctx, fmt.Sprint("k", i%10), ato.Entry{Time: at.Add(time.Duration(i)), Value: "x"}, time.Hour, 20)
	}
	if _, entries, _ := m2.Usage(); entries > 50 {
		t.Fatalf("entries %d over MaxEntries 50", entries)
	}
}

// TestFloodBounded feeds failures from a million distinct IPs on a million
// distinct logins: the state stays within its bounds, and the heap with
// it, while a brute force that follows the flood is still detected.
func TestFloodBounded(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 100_000
	}
	ctx := context.Background()
	mem := ato.NewMemory(ato.MemoryConfig{})
	det := ato.New(ato.Config{}, mem)
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	no := false
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	ev := event.Event{Type: event.TypeLoginFailure, Usr: &event.User{Exists: &no}}
	var sigs int
	for i := range n {
		ev.Time = at.Add(time.Duration(i) * time.Millisecond)
		ev.IP = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if i >= 1<<24 {
			ev.IP = fmt.Sprintf("2001:db8:%x::1", i)
		}
		ev.Usr.Login = fmt.Sprintf("user%d@example.com", i)
		s, err := det.Observe(ctx, &ev)
		if err != nil {
			t.Fatal(err)
		}
		sigs += len(s)
	}
	keys, entries, evicted := mem.Usage()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d events: %d keys, %d entries, %d evicted, heap +%.1f MB, %d signals", n, keys, entries, evicted, float64(heap)/(1<<20), sigs)
	if keys > ato.DefaultMaxKeys || entries > ato.DefaultMaxEntries {
		t.Fatalf("state over its bounds: %d keys, %d entries", keys, entries)
	}
	if n == 1_000_000 && evicted == 0 {
		t.Fatalf("a million distinct keys evicted none")
	}
	if heap > 400<<20 {
		t.Fatalf("heap grew by %d MB under the flood", heap>>20)
	}
	// after the flood, a brute force is detected
	yes := true
	var bf bool
	for i := range 10 {
		ev := &event.Event{Type: event.TypeLoginFailure, Time: at.Add(time.Duration(n)*time.Millisecond + time.Duration(i)*time.Second),
			IP: "192.0.2.1", Usr: &event.User{Login: "alice", Exists: &yes}}
		s, err := det.Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range s {
			bf = bf || x.Type == ato.TypeBruteForce
		}
	}
	if !bf {
		t.Fatal("brute force after the flood not detected")
	}
}

// TestMemoryFullBound fills a Memory to both of its bounds with entries
// the size of the detectors' (an encoded attempt of about 50 bytes) and
// measures the heap it holds: the figure behind DefaultMaxEntries' "about
// 100 MB".
func TestMemoryFullBound(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures under the race detector mean nothing")
	}
	ctx := context.Background()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	m := ato.NewMemory(ato.MemoryConfig{})
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1_400_000 {
		key := fmt.Sprintf("a:user%d@mail.example", i%20_000)
		v := fmt.Sprintf("fn203.0.%d.%d\x1f0:user%d@mail.example", i>>8&255, i&255, i)
		m.Append(ctx, key, ato.Entry{Time: at.Add(time.Duration(i) * time.Millisecond), Value: v}, time.Hour, 64)
	}
	keys, entries, evicted := m.Usage()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("full: %d keys, %d entries, %d evicted, heap +%.1f MB", keys, entries, evicted, float64(heap)/(1<<20))
	if keys > ato.DefaultMaxKeys || entries > ato.DefaultMaxEntries {
		t.Fatalf("over the bounds: %d keys, %d entries", keys, entries)
	}
	if heap > 250<<20 {
		t.Fatalf("a full Memory holds %d MB", heap>>20)
	}
	runtime.KeepAlive(m)
}
