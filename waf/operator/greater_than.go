package operator

// greaterThan matches a number strictly greater than "value" (a JSON
// number, or a string holding one). Number values and strings that parse
// entirely as decimal numbers are compared, exactly for 64-bit integers and
// as float64 otherwise. The optional "type" ("unsigned", "signed" or
// "float", as in libddwaf) only validates "value". The highlight is the
// value's text.
type greaterThan struct{ limit number }

var _ Operator = (*greaterThan)(nil)

func init() { register("greater_than", newGreaterThan) }

func newGreaterThan(p Params) (Operator, error) {
	typ, err := optionalType(p)
	if err != nil {
		return nil, err
	}
	n, err := numberParam(p, "value", typ)
	if err != nil {
		return nil, err
	}
	return &greaterThan{limit: n}, nil
}

// Eval implements Operator.
func (o *greaterThan) Eval(v Value) (string, bool) {
	n, ok := valueNumber(v)
	if !ok || compare(n, o.limit) != 1 {
		return "", false
	}
	return valueText(v), true
}
