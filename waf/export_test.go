package waf

// Unmerge makes the engine evaluate every view chain group by chain group
// (see mergedView), and run a target set again on bytes it ran on (see
// evalSet), for tests that compare both ways.
func (e *Engine) Unmerge() {
	e.evalAllSets = true
	e.merge()
	for _, vs := range e.views {
		for _, vw := range vs {
			vw.merged.Store(nil)
		}
	}
}

// Merged reports whether some view of the engine is merged.
func (e *Engine) Merged() bool {
	for _, vs := range e.views {
		for _, vw := range vs {
			if vw.merged.Load() != nil {
				return true
			}
		}
	}
	return false
}

// Partials counts the partial views built (see Context.partial).
func (e *Engine) Partials() int {
	n := 0
	for _, vs := range e.views {
		for _, vw := range vs {
			if mv := vw.merged.Load(); mv != nil {
				for i := range mv.partials {
					if mv.partials[i].Load() != nil {
						n++
					}
				}
			}
		}
	}
	return n
}

// TargetEscapes is targetEscapes, for tests.
var TargetEscapes = targetEscapes
