package waf

import (
	"strings"
	"unsafe"
)

// Padding: a client that wants a payload past an inspection limit puts it
// after (or before) filler in the same value: one character or a few words
// repeated thousands of times ("AAAA...", "lorem ipsum lorem ipsum ...").
// The whole-value scan sees the payload wherever it sits, but the rules
// that read a value whole (a command line, a URL, a SQL clause that must
// open the value) would read the filler as its start. So a string that
// opens or ends with a long run of one short unit repeated is evaluated
// without that run as well: the payload as the client meant it.
const (
	// MinPadding is the shortest run of repeated text that counts as
	// padding. Ordinary text does not repeat a unit of a few bytes for
	// this long.
	MinPadding = 512
	// maxPaddingUnit is the longest repeated unit recognized.
	maxPaddingUnit = 64
	// paddingProbe is how many bytes at a value's start (or end) decide
	// its period: at least two repetitions of the longest unit.
	paddingProbe = 2 * maxPaddingUnit
	// maxUnpads is how many paddings may nest: one before a payload and
	// one after it.
	maxUnpads = 2
	// paddingChunk is how many bytes the run's extension compares at once.
	paddingChunk = 1024
)

// DecodedPadding marks the part of a value after (or before) the padding
// that surrounds it, evaluated on its own (see MinPadding).
const DecodedPadding = "padding"

// period returns the smallest p in 1..maxPaddingUnit such that s is a
// repetition of its first p bytes (s[i] == s[i+p] for every i), or 0.
func period(s string) int {
	for p := 1; p <= maxPaddingUnit && p < len(s); p++ {
		if s[p:] == s[:len(s)-p] {
			return p
		}
	}
	return 0
}

// paddingPrefix finds the padding s opens with: a run of one unit of at
// most maxPaddingUnit bytes repeated, at least MinPadding bytes long, that
// s goes on past. whole is where the last whole repetition of the unit
// ends, run where the run ends (a payload that starts as the unit does
// continues the run: "ls" after "lorem ipsum "); both are 0 when s opens
// with no padding. The cost is linear in the run's length.
func paddingPrefix(s string) (whole, run int) {
	if len(s) <= MinPadding {
		return 0, 0
	}
	p := period(s[:paddingProbe])
	if p == 0 {
		return 0, 0
	}
	i := paddingProbe
	for i < len(s) {
		// whole chunks at memory-compare speed, then byte by byte in
		// the chunk where the run ends
		if k := min(paddingChunk, len(s)-i); s[i:i+k] == s[i-p:i-p+k] {
			i += k
			continue
		}
		for s[i] == s[i-p] {
			i++
		}
		break
	}
	if i < MinPadding || i == len(s) {
		return 0, 0
	}
	return i / p * p, i
}

// paddingSuffix is paddingPrefix for the end of s: it returns where the
// run of padding that ends s starts (run) and where its first whole
// repetition, counted from the end, starts (whole), or 0, 0.
func paddingSuffix(s string) (whole, run int) {
	if len(s) <= MinPadding {
		return 0, 0
	}
	p := period(s[len(s)-paddingProbe:])
	if p == 0 {
		return 0, 0
	}
	i := len(s) - paddingProbe - 1 // the first byte, from the end, not yet in the run
	for i >= 0 {
		if k := min(paddingChunk, i+1); s[i+1-k:i+1] == s[i+1-k+p:i+1+p] {
			i -= k
			continue
		}
		for s[i] == s[i+p] {
			i--
		}
		break
	}
	n := len(s) - 1 - i
	if n < MinPadding || i < 0 {
		return 0, 0
	}
	return len(s) - n/p*p, i + 1
}

// unpad evaluates what a padded string carries besides its padding: the
// rest after a padding prefix (its own padding suffix is found when the
// rest is inspected), else the rest before a padding suffix. Spaces and
// tabs between the padding and the rest are dropped. Where the rest
// starts is ambiguous when the value was trimmed (a header's "lorem ipsum
// lorem ipsum" lost its last space) or the payload begins as the unit
// does: both cuts are evaluated, the one after the last whole unit and
// the one at the run's end, when they differ. The rest is inspected as the
// string itself is (windows, decodings): removing padding is no decoding
// level.
func (c *Context) unpad(vw *view, s string, depth int, excl bool) {
	m := c.padBounds(s)
	var a, b string
	switch {
	case m.run == 0:
		return
	case !m.suffix:
		a, b = strings.TrimLeft(s[m.whole:], " \t"), strings.TrimLeft(s[m.run:], " \t")
	default:
		a, b = strings.TrimRight(s[:m.whole], " \t"), strings.TrimRight(s[:m.run], " \t")
	}
	outer := c.ws.decoded
	if c.ws.level == 0 {
		c.ws.decoded = DecodedPadding
	}
	c.ws.unpads++
	if a != "" {
		c.inspectString(vw, a, depth, excl)
	}
	if b != a && b != "" && !c.stopped(vw) {
		c.inspectString(vw, b, depth, excl)
	}
	c.ws.unpads--
	c.ws.decoded = outer
}

// padMemo is the padding found in one string of the request (see
// Context.padBounds).
type padMemo struct {
	ptr        *byte
	n          int
	whole, run int
	suffix     bool // the padding ends the string
}

// padBounds returns the padding of s: a prefix, else a suffix. Every view
// that reads an address walks its strings, so the bounds of the last
// string of the request as received are kept (decoded strings are not:
// their memory is not the request's).
func (c *Context) padBounds(s string) padMemo {
	ptr := unsafe.StringData(s)
	if c.ws.level == 0 && c.pad.ptr == ptr && c.pad.n == len(s) {
		return c.pad
	}
	m := padMemo{ptr: ptr, n: len(s)}
	if m.whole, m.run = paddingPrefix(s); m.run == 0 {
		m.whole, m.run = paddingSuffix(s)
		m.suffix = true
	}
	if c.ws.level == 0 {
		c.pad = m
	}
	return m
}
