package operator

import "fmt"

// exactMatch matches a string (or map key) equal, byte for byte, to one of
// the entries of "list", or of the rules_data list named by "data" (type
// data_with_expiration: blocked users, ...). Entries of a data list stop
// matching once their expiration has passed; the list's current contents
// are read on every Eval, so updates apply without recompiling. The empty
// string never matches. The highlight is the value.
type exactMatch struct {
	list map[string]struct{}
	data *Data
}

var _ Operator = (*exactMatch)(nil)

func init() { register("exact_match", newExactMatch) }

func newExactMatch(p Params) (Operator, error) {
	switch {
	case p.Has("list") && p.Has("data"):
		return nil, fmt.Errorf("parameters %q and %q are exclusive", "list", "data")
	case p.Has("data"):
		d, err := dataParam(p, "data_with_expiration")
		if err != nil {
			return nil, err
		}
		return &exactMatch{data: d}, nil
	}
	var list []string
	if err := p.Decode("list", &list); err != nil {
		return nil, err
	}
	o := &exactMatch{list: make(map[string]struct{}, len(list))}
	for _, s := range list {
		o.list[s] = struct{}{}
	}
	return o, nil
}

// dataParam resolves the "data" parameter to its rules_data list.
func dataParam(p Params, kind string) (*Data, error) {
	var id string
	if err := p.Decode("data", &id); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, fmt.Errorf("parameter %q: empty id", "data")
	}
	if p.Data == nil {
		return nil, fmt.Errorf("parameter %q: no rules_data available for %q", "data", id)
	}
	d := p.Data(id, kind)
	if d == nil {
		return nil, fmt.Errorf("parameter %q: unknown rules_data %q", "data", id)
	}
	if d.Kind() != kind {
		return nil, fmt.Errorf("parameter %q: rules_data %q has type %q, want %q", "data", id, d.Kind(), kind)
	}
	return d, nil
}

// Eval implements Operator.
func (o *exactMatch) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) == 0 {
		return "", false
	}
	if o.data == nil {
		if _, ok := o.list[string(v.Bytes)]; !ok {
			return "", false
		}
		return string(v.Bytes), true
	}
	exp, ok := o.data.snap.Load().exact[string(v.Bytes)]
	if !ok || !o.data.live(exp) {
		return "", false
	}
	return string(v.Bytes), true
}
