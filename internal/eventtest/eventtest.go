// Package eventtest records the events an Agent exports, for tests.
package eventtest

import (
	"sync"

	"github.com/rampartsec/rampart/event"
)

// Recorder is a rampart.Exporter that keeps every event. It is safe for
// concurrent use.
type Recorder struct {
	mu  sync.Mutex
	evs []*event.Event
}

// Export records e.
func (r *Recorder) Export(e *event.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

// Events returns the events recorded so far.
func (r *Recorder) Events() []*event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*event.Event(nil), r.evs...)
}

// Take returns the events recorded so far and forgets them.
func (r *Recorder) Take() []*event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// Exploits returns the exploits of the exploit events recorded so far.
func (r *Recorder) Exploits() []*event.Exploit {
	var out []*event.Exploit
	for _, e := range r.Events() {
		if e.Type == event.TypeExploit {
			out = append(out, e.Exploit)
		}
	}
	return out
}

// LastExploit returns the last exploit recorded, or nil.
func (r *Recorder) LastExploit() *event.Exploit {
	xs := r.Exploits()
	if len(xs) == 0 {
		return nil
	}
	return xs[len(xs)-1]
}
