package operator

// lowerThan matches a number strictly lower than "value" (a JSON
// number, or a string holding one). Number values and strings that parse
// entirely as decimal numbers are compared, exactly for 64-bit integers and
// as float64 otherwise. The optional "type" ("unsigned", "signed" or
// "float", as in libddwaf) only validates "value". The highlight is the
// value's text.
type lowerThan struct{ limit number }

var _ Operator = (*lowerThan)(nil)

func init() { register("lower_than", newLowerThan) }

func newLowerThan(p Params) (Operator, error) {
	typ, err := optionalType(p)
	if err != nil {
		return nil, err
	}
	n, err := numberParam(p, "value", typ)
	if err != nil {
		return nil, err
	}
	return &lowerThan{limit: n}, nil
}

// Eval implements Operator.
func (o *lowerThan) Eval(v Value) (string, bool) {
	n, ok := valueNumber(v)
	if !ok || compare(n, o.limit) != -1 {
		return "", false
	}
	return valueText(v), true
}
