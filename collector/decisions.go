package collector

import (
	"context"
	"sync"
	"time"
)

// decisionTTL is how long the decisions read from the store are served
// from memory: every function polls them, and another replica's change is
// seen within it.
const decisionTTL = time.Second

// decisionCache holds the decisions and their version, and wakes the
// long-polls when this server changes them.
type decisionCache struct {
	store DecisionStore
	now   func() time.Time

	mu     sync.Mutex
	valid  bool
	loaded time.Time
	ver    int64
	ds     []Decision
	ch     chan struct{} // closed on a change
	// pushed is set when the store reports every change (Watcher): the
	// long-polls then wait for it, and read the store again only as a
	// safety net (pushFallback).
	pushed bool
}

// pushFallback is how often a long-poll reads the store when changes are
// pushed: a lost notification is made good within it.
const pushFallback = 15 * time.Second

func newDecisionCache(s DecisionStore, now func() time.Time) *decisionCache {
	return &decisionCache{store: s, now: now, ch: make(chan struct{})}
}

// get returns the version and the decisions, from memory when fresh.
func (c *decisionCache) get(ctx context.Context) (int64, []Decision, error) {
	c.mu.Lock()
	if c.valid && c.now().Sub(c.loaded) < decisionTTL {
		v, ds := c.ver, c.ds
		c.mu.Unlock()
		return v, ds, nil
	}
	c.mu.Unlock()
	v, ds, err := c.store.Decisions(ctx)
	if err != nil {
		return 0, nil, err
	}
	c.mu.Lock()
	if !c.valid || v >= c.ver {
		c.ver, c.ds, c.valid, c.loaded = v, ds, true, c.now()
	}
	c.mu.Unlock()
	return v, ds, nil
}

// invalidate makes the next get read the store.
func (c *decisionCache) invalidate() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// changed invalidates and wakes the waiting long-polls.
func (c *decisionCache) changed() {
	c.mu.Lock()
	c.valid = false
	close(c.ch)
	c.ch = make(chan struct{})
	c.mu.Unlock()
}

// wait returns a channel closed on the next change.
func (c *decisionCache) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ch
}
