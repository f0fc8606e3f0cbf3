package operator

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// number is a parsed numeric value: exact for integers that fit 64 bits
// (with a sign), a float64 otherwise.
type number struct {
	isInt bool
	neg   bool   // integer sign; -0 is not negative
	mag   uint64 // integer magnitude
	f     float64
}

// maxNumberLen bounds the text parsed as a number; longer strings are not
// numbers for the comparison operators.
const maxNumberLen = 64

// parseNumber parses decimal integer or float syntax (an optional sign,
// digits, an optional fraction and exponent): no spaces, hex, underscores,
// infinities or NaN. It does not allocate.
func parseNumber(b []byte) (number, bool) {
	if len(b) == 0 || len(b) > maxNumberLen {
		return number{}, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	digits, isInt := 0, true
	var mag uint64
	overflow := false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
			if isInt {
				d := uint64(c - '0')
				if mag > (math.MaxUint64-d)/10 {
					overflow = true
				}
				mag = mag*10 + d
			}
		case c == '.' || c == 'e' || c == 'E':
			isInt = false
		case c == '+' || c == '-':
			if b[i-1] != 'e' && b[i-1] != 'E' {
				return number{}, false
			}
		default:
			return number{}, false
		}
	}
	if digits == 0 {
		return number{}, false
	}
	// ParseFloat does not retain its argument (errors copy it), so the
	// unsafe view is not kept past the call.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil && !isRangeErr(err) {
		return number{}, false
	}
	n := number{f: f}
	if isInt && !overflow {
		n.isInt, n.neg, n.mag = true, neg && mag != 0, mag
	}
	return n, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// compare returns -1, 0 or +1 as a is less than, equal to or greater than
// b: exactly for two integers, as float64 otherwise. NaN compares equal to
// nothing and is reported as 2.
func compare(a, b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.neg != b.neg:
			if a.neg {
				return -1
			}
			return 1
		case a.mag == b.mag:
			return 0
		case (a.mag < b.mag) != a.neg:
			return -1
		default:
			return 1
		}
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	case a.f == b.f:
		return 0
	}
	return 2
}

// valueNumber returns v as a number: a Number's text (or its Num when the
// text is missing), or a String that parses as a number.
func valueNumber(v Value) (number, bool) {
	switch v.Kind {
	case Number:
		if len(v.Bytes) == 0 {
			return floatNumber(v.Num), true
		}
		if n, ok := parseNumber(v.Bytes); ok {
			return n, true
		}
		return floatNumber(v.Num), true
	case String:
		return parseNumber(v.Bytes)
	}
	return number{}, false
}

func floatNumber(f float64) number {
	n := number{f: f}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		n.isInt, n.neg = true, f < 0
		n.mag = uint64(math.Abs(f))
	}
	return n
}

// numberParam decodes a numeric parameter given as a JSON number or a
// string holding one; typ, when set, is "unsigned", "signed" or "float".
func numberParam(p Params, name, typ string) (number, error) {
	raw, ok := p.Raw[name]
	if !ok {
		return number{}, fmt.Errorf("missing parameter %q", name)
	}
	text := []byte(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = []byte(s)
	}
	n, ok := parseNumber(text)
	if !ok {
		return number{}, fmt.Errorf("parameter %q: %s is not a number", name, raw)
	}
	switch typ {
	case "", "float":
	case "signed":
		if !n.isInt || (!n.neg && n.mag > math.MaxInt64) || (n.neg && n.mag > 1<<63) {
			return number{}, fmt.Errorf("parameter %q: %s is not a signed 64-bit integer", name, raw)
		}
	case "unsigned":
		if !n.isInt || n.neg {
			return number{}, fmt.Errorf("parameter %q: %s is not an unsigned 64-bit integer", name, raw)
		}
	default:
		return number{}, fmt.Errorf("parameter %q: unknown type %q", "type", typ)
	}
	return n, nil
}

// optionalType decodes the optional "type" parameter.
func optionalType(p Params) (string, error) {
	if !p.Has("type") {
		return "", nil
	}
	var t string
	if err := p.Decode("type", &t); err != nil {
		return "", err
	}
	return t, nil
}

// valueText is the highlight of a scalar: its text.
func valueText(v Value) string {
	switch v.Kind {
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Number:
		if len(v.Bytes) == 0 {
			return strconv.FormatFloat(v.Num, 'g', -1, 64)
		}
	}
	return string(v.Bytes)
}

// numberBound is greater_than (want 1) and lower_than (want -1): it
// matches a number on the wanted side of "value". Number values and strings
// that parse entirely as decimal numbers are compared, exactly for 64-bit
// integers and as float64 otherwise. The optional "type" ("unsigned",
// "signed" or "float", as in libddwaf) only validates "value". The
// highlight is the value's text.
type numberBound struct {
	limit number
	want  int
}

var _ Operator = (*numberBound)(nil)

func newNumberBound(p Params, want int) (Operator, error) {
	typ, err := optionalType(p)
	if err != nil {
		return nil, err
	}
	n, err := numberParam(p, "value", typ)
	if err != nil {
		return nil, err
	}
	return &numberBound{limit: n, want: want}, nil
}

// Eval implements Operator.
func (o *numberBound) Eval(v Value) (string, bool) {
	n, ok := valueNumber(v)
	if !ok || compare(n, o.limit) != o.want {
		return "", false
	}
	return valueText(v), true
}
