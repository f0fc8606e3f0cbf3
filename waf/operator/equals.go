package operator

import (
	"bytes"
	"fmt"
	"math"
)

// equals matches a value equal to "value", compared as "type":
//   - "string": a string (or map key) with the same bytes;
//   - "boolean": a boolean;
//   - "signed", "unsigned": a number with the same integer value (exactly,
//     for 64-bit integers);
//   - "float": a number within "delta" (default 0.01) of the value.
//
// Values of another kind never match (a string "42" does not equal the
// number 42), as in libddwaf. The highlight is the value's text.
type equals struct {
	typ   string
	str   []byte
	b     bool
	num   number
	delta float64
}

var _ Operator = (*equals)(nil)

func init() { register("equals", newEquals) }

// defaultDelta is the float tolerance when a rule gives none.
const defaultDelta = 0.01

func newEquals(p Params) (Operator, error) {
	var typ string
	if err := p.Decode("type", &typ); err != nil {
		return nil, err
	}
	o := &equals{typ: typ, delta: defaultDelta}
	switch typ {
	case "string":
		var s string
		if err := p.Decode("value", &s); err != nil {
			return nil, err
		}
		o.str = []byte(s)
	case "boolean":
		if err := p.Decode("value", &o.b); err != nil {
			return nil, err
		}
	case "signed", "unsigned", "float":
		n, err := numberParam(p, "value", typ)
		if err != nil {
			return nil, err
		}
		o.num = n
		if p.Has("delta") {
			if err := p.Decode("delta", &o.delta); err != nil {
				return nil, err
			}
			if o.delta < 0 || math.IsNaN(o.delta) {
				return nil, fmt.Errorf("parameter %q: %v is not a tolerance", "delta", o.delta)
			}
		}
	default:
		return nil, fmt.Errorf("parameter %q: unknown type %q", "type", typ)
	}
	return o, nil
}

// Eval implements Operator.
func (o *equals) Eval(v Value) (string, bool) {
	ok := false
	switch o.typ {
	case "string":
		ok = (v.Kind == String || v.Kind == Key) && bytes.Equal(v.Bytes, o.str)
	case "boolean":
		ok = v.Kind == Bool && v.Bool == o.b
	case "signed", "unsigned":
		if v.Kind == Number {
			n, _ := valueNumber(v)
			ok = compare(n, o.num) == 0
		}
	case "float":
		if v.Kind == Number {
			n, _ := valueNumber(v)
			ok = math.Abs(n.f-o.num.f) < o.delta || n.f == o.num.f
		}
	}
	if !ok {
		return "", false
	}
	return valueText(v), true
}
