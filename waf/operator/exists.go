package operator

// exists matches the presence of its input (an address, or a key path
// inside one), whatever the value. The engine calls Eval once with a Null
// value when the target is present; "!exists", the absence, is decided by
// the engine. It takes no parameters besides the inputs.
type exists struct{}

var _ Existence = exists{}

func init() { register("exists", newExists) }

func newExists(Params) (Operator, error) { return exists{}, nil }

// Eval implements Operator: being called means the target is present.
func (exists) Eval(Value) (string, bool) { return "", true }

func (exists) existence() {}
