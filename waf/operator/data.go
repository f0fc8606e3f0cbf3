package operator

import (
	"fmt"
	"sync/atomic"
	"time"
)

// DataEntry is one rules_data entry. Expiration is a Unix time in seconds;
// zero means the entry never expires.
type DataEntry struct {
	Value      string `json:"value"`
	Expiration int64  `json:"expiration,omitempty"`
}

// Data is a named rules_data list (blocked IPs, blocked users, ...) that can
// be replaced at run time without recompiling the ruleset. Operators that
// take a "data" parameter read its current snapshot on every Eval.
type Data struct {
	id, kind string
	snap     atomic.Pointer[dataSnapshot]
	// now is the clock used for expirations; tests replace it.
	now func() time.Time
}

// dataSnapshot is an immutable compiled form of a list. Exactly one of the
// fields is used, depending on the kind.
type dataSnapshot struct {
	exact map[string]int64 // value -> expiration
	ips   *ipSet
}

// NewData returns an empty list of the given kind: "ip_with_expiration" or
// "data_with_expiration".
func NewData(id, kind string) (*Data, error) {
	if kind != "ip_with_expiration" && kind != "data_with_expiration" {
		return nil, fmt.Errorf("rules_data %q: unknown type %q", id, kind)
	}
	d := &Data{id: id, kind: kind, now: time.Now}
	if err := d.Update(nil); err != nil {
		return nil, err
	}
	return d, nil
}

// ID returns the list's name.
func (d *Data) ID() string { return d.id }

// Kind returns the list's type.
func (d *Data) Kind() string { return d.kind }

// Update replaces the list's entries atomically. A bad entry (an IP that
// does not parse) rejects the whole update, leaving the old list in place.
func (d *Data) Update(entries []DataEntry) error {
	s := &dataSnapshot{}
	switch d.kind {
	case "ip_with_expiration":
		set, err := newIPSet(entries)
		if err != nil {
			return fmt.Errorf("rules_data %q: %w", d.id, err)
		}
		s.ips = set
	default:
		s.exact = make(map[string]int64, len(entries))
		for _, e := range entries {
			// The latest expiration wins for duplicates; 0 (never) beats all.
			if old, ok := s.exact[e.Value]; ok && (old == 0 || (e.Expiration != 0 && old > e.Expiration)) {
				continue
			}
			s.exact[e.Value] = e.Expiration
		}
	}
	d.snap.Store(s)
	return nil
}

func (d *Data) live(exp int64) bool {
	return exp == 0 || exp > d.now().Unix()
}
