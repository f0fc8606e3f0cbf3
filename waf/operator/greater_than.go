package operator

// greater_than matches a number strictly greater than "value" (a JSON
// number, or a string holding one); see numberBound for what is compared.
func init() {
	register("greater_than", func(p Params) (Operator, error) { return newNumberBound(p, 1) })
}
