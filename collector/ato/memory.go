package ato

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Defaults of MemoryConfig.
const (
	// DefaultMaxKeys bounds the number of logs and counters a Memory
	// keeps: one per account, per IP (or IPv6 prefix) and a few global
	// ones. A flood of distinct IPs or logins evicts the least recently
	// used keys beyond it.
	DefaultMaxKeys = 200_000
	// DefaultMaxEntries bounds the log entries and counter buckets of all
	// keys together; about 100 bytes each, so about 100 MB at most.
	DefaultMaxEntries = 1_000_000
)

// MemoryConfig bounds a Memory. The zero value uses DefaultMaxKeys and
// DefaultMaxEntries.
type MemoryConfig struct {
	MaxKeys    int
	MaxEntries int
}

// Memory is the in-process Window, bounded: it keeps at most MaxKeys keys
// and MaxEntries entries, evicting whole keys in least-recently-used order
// when a flood of new IPs or logins would exceed either. It is safe for
// concurrent use: a lock around an unlocked core.
type Memory struct {
	mu   sync.Mutex
	core memCore
}

// NewMemory returns an empty Memory.
func NewMemory(cfg MemoryConfig) *Memory {
	m := &Memory{}
	m.core.init(cfg)
	return m
}

// Append implements Window.
func (m *Memory) Append(_ context.Context, key string, e Entry, span time.Duration, limit int) error {
	m.mu.Lock()
	m.core.append(key, e.Time.UnixNano(), e.Value, int64(span), limit)
	m.mu.Unlock()
	return nil
}

// AppendRange implements AppendRanger.
func (m *Memory) AppendRange(_ context.Context, key string, e Entry, span time.Duration, limit int) ([]Entry, error) {
	t := e.Time.UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.core.append(key, t, e.Value, int64(span), limit)
	return m.core.rangeOf(key, t-int64(span), t, limit), nil
}

// Range implements Window.
func (m *Memory) Range(_ context.Context, key string, from, to time.Time, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.core.rangeOf(key, from.UnixNano(), to.UnixNano(), limit), nil
}

// Add implements Window.
func (m *Memory) Add(_ context.Context, key string, t time.Time, width time.Duration, n int, delta int64) ([]int64, error) {
	if width <= 0 || n <= 0 {
		return nil, nil
	}
	out := make([]int64, n)
	m.mu.Lock()
	m.core.add(key, bucketIndex(t, width), n, delta, out)
	m.mu.Unlock()
	return out, nil
}

// Usage reports what m holds: keys, entries (log entries and counter
// buckets) and the keys evicted so far to stay within its bounds.
func (m *Memory) Usage() (keys, entries int, evicted int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.core.keys), m.core.entries, m.core.evicted
}

// memCore is the unlocked state of a Memory: a map of keys threaded on a
// recency list.
type memCore struct {
	maxKeys, maxEntries int
	keys                map[string]*memNode
	lru                 memNode // sentinel: lru.next is the most recent
	entries             int
	evicted             int64
}

type memNode struct {
	key        string
	prev, next *memNode
	// a log: live entries are log[off:], in time order
	log []memEntry
	off int
	// a counter: buckets in index order, and the most buckets a call
	// asked for (what is kept)
	buckets []memBucket
	keep    int
}

type memEntry struct {
	t int64
	v string
}

type memBucket struct {
	idx, n int64
}

func (c *memCore) init(cfg MemoryConfig) {
	c.maxKeys, c.maxEntries = cfg.MaxKeys, cfg.MaxEntries
	if c.maxKeys <= 0 {
		c.maxKeys = DefaultMaxKeys
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultMaxEntries
	}
	c.keys = make(map[string]*memNode)
	c.lru.next, c.lru.prev = &c.lru, &c.lru
}

func (c *memCore) size(n *memNode) int { return len(n.log) - n.off + len(n.buckets) }

// touch returns the node of key, creating it, and makes it the most
// recently used.
func (c *memCore) touch(key string) *memNode {
	n := c.keys[key]
	if n != nil {
		n.prev.next, n.next.prev = n.next, n.prev
	} else {
		n = &memNode{key: key}
		c.keys[key] = n
	}
	n.prev, n.next = &c.lru, c.lru.next
	c.lru.next.prev = n
	c.lru.next = n
	return n
}

// evict drops least recently used keys other than keep until the bounds
// hold.
func (c *memCore) evict(keep *memNode) {
	for len(c.keys) > c.maxKeys || c.entries > c.maxEntries {
		n := c.lru.prev
		if n == keep {
			n = n.prev
		}
		if n == &c.lru {
			return
		}
		n.prev.next, n.next.prev = n.next, n.prev
		c.entries -= c.size(n)
		delete(c.keys, n.key)
		c.evicted++
	}
}

func (c *memCore) append(key string, t int64, v string, span int64, limit int) {
	if limit <= 0 {
		return
	}
	if limit > c.maxEntries {
		limit = c.maxEntries
	}
	n := c.touch(key)
	before := c.size(n)
	live := n.log[n.off:]
	i := len(live)
	for i > 0 && live[i-1].t > t {
		i--
	}
	if i == len(live) {
		n.log = append(n.log, memEntry{t, v})
	} else {
		n.log = append(n.log, memEntry{})
		live = n.log[n.off:]
		copy(live[i+1:], live[i:])
		live[i] = memEntry{t, v}
	}
	live = n.log[n.off:]
	newest := live[len(live)-1].t
	drop := 0
	for drop < len(live) && (live[drop].t < newest-span || len(live)-drop > limit) {
		drop++
	}
	clear(live[:drop]) // let the strings go
	n.off += drop
	if n.off > 32 && n.off*2 > len(n.log) {
		k := copy(n.log, n.log[n.off:])
		clear(n.log[k:])
		n.log = n.log[:k]
		n.off = 0
	}
	c.entries += c.size(n) - before
	c.evict(n)
}

func (c *memCore) rangeOf(key string, from, to int64, limit int) []Entry {
	n := c.keys[key]
	if n == nil || limit <= 0 || len(n.log) == n.off {
		return nil
	}
	live := n.log[n.off:]
	lo := sort.Search(len(live), func(i int) bool { return live[i].t >= from })
	hi := sort.Search(len(live), func(i int) bool { return live[i].t > to })
	if hi-lo > limit {
		lo = hi - limit
	}
	if hi <= lo {
		return nil
	}
	out := make([]Entry, hi-lo)
	for i, e := range live[lo:hi] {
		out[i] = Entry{Time: time.Unix(0, e.t), Value: e.v}
	}
	return out
}

func (c *memCore) add(key string, idx int64, keep int, delta int64, out []int64) {
	n := c.touch(key)
	before := c.size(n)
	n.keep = max(n.keep, keep)
	keep = n.keep
	b := n.buckets
	i := sort.Search(len(b), func(i int) bool { return b[i].idx >= idx })
	switch {
	case i < len(b) && b[i].idx == idx:
		b[i].n += delta
	default:
		b = append(b, memBucket{})
		copy(b[i+1:], b[i:])
		b[i] = memBucket{idx, delta}
	}
	// keep the newest keep buckets
	newest := b[len(b)-1].idx
	drop := 0
	for drop < len(b) && b[drop].idx <= newest-int64(keep) {
		drop++
	}
	if drop > 0 {
		b = append(b[:0], b[drop:]...)
	}
	n.buckets = b
	first := idx - int64(len(out)) + 1
	for _, bk := range b {
		if bk.idx >= first && bk.idx <= idx {
			out[bk.idx-first] = bk.n
		}
	}
	c.entries += c.size(n) - before
	c.evict(n)
}
