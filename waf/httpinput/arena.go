package httpinput

import "github.com/rampartsec/rampart/waf"

// arena hands out Field slices carved from larger slabs, so that one request
// costs a few allocations instead of one per map or list. The slices it
// returns have their capacity clipped, so appending to one never writes into
// a neighbour.
type arena struct {
	slab []waf.Field
	next int // size of the next slab
}

// newArena returns an arena whose first slab holds n fields.
func newArena(n int) arena { return arena{next: max(n, 8)} }

// alloc returns a zeroed slice of n fields.
func (a *arena) alloc(n int) []waf.Field {
	if n == 0 {
		return nil
	}
	if n > cap(a.slab)-len(a.slab) {
		size := max(a.next, n)
		a.next = min(2*size, maxSlab)
		a.slab = make([]waf.Field, 0, size)
	}
	l := len(a.slab)
	a.slab = a.slab[:l+n]
	return a.slab[l : l+n : l+n]
}

// copyOf returns a copy of fs in arena memory.
func (a *arena) copyOf(fs []waf.Field) []waf.Field {
	out := a.alloc(len(fs))
	copy(out, fs)
	return out
}

// maxSlab caps the slab size so that a large body grows the arena in steps
// without one oversized allocation (64 KiB fields × 64 bytes = 4 MiB).
const maxSlab = 1 << 16
