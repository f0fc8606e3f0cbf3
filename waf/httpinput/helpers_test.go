package httpinput

import (
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/waf"
)

// render writes a value in a compact JSON-like form for comparisons:
// maps {k:v,...} with quoted keys, lists [...], strings quoted, numbers and
// booleans bare, null.
func render(v waf.Value) string {
	var b strings.Builder
	renderTo(&b, v)
	return b.String()
}

func renderTo(b *strings.Builder, v waf.Value) {
	switch v.Kind() {
	case waf.KindNull:
		b.WriteString("null")
	case waf.KindString:
		b.WriteString(strconv.Quote(v.Str()))
	case waf.KindNumber:
		b.WriteString(v.Str())
	case waf.KindBool:
		b.WriteString(strconv.FormatBool(v.BoolValue()))
	case waf.KindMap, waf.KindList:
		open, close := "[", "]"
		if v.Kind() == waf.KindMap {
			open, close = "{", "}"
		}
		b.WriteString(open)
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			f := v.Index(i)
			if v.Kind() == waf.KindMap {
				b.WriteString(strconv.Quote(f.Key))
				b.WriteByte(':')
			}
			renderTo(b, f.Value)
		}
		b.WriteString(close)
	}
}

// shape returns a value's depth (containers only: a scalar has depth 0) and
// its largest container size.
func shape(v waf.Value) (depth, widest int) {
	if v.Kind() != waf.KindMap && v.Kind() != waf.KindList {
		return 0, 0
	}
	widest = v.Len()
	for i := range v.Len() {
		d, w := shape(v.Index(i).Value)
		depth = max(depth, d)
		widest = max(widest, w)
	}
	return depth + 1, widest
}

// addr returns the value of the named address, and whether it is present.
func addr(as []waf.Address, name string) (waf.Value, bool) {
	for _, a := range as {
		if a.Name == name {
			return a.Value, true
		}
	}
	return waf.Value{}, false
}
