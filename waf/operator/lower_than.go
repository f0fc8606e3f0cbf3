package operator

// lower_than matches a number strictly lower than "value" (a JSON number,
// or a string holding one); see numberBound for what is compared.
func init() {
	register("lower_than", func(p Params) (Operator, error) { return newNumberBound(p, -1) })
}
