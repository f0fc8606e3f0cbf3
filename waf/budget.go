package waf

import "time"

// Charge counts d, time spent on this request outside Run (parsing its
// body), against the time budget; the budget runs out when it passes.
func (c *Context) Charge(d time.Duration) {
	if d <= 0 || c.e.opts.Timeout < 0 {
		return
	}
	c.spent += d
	if c.spent >= c.e.opts.Timeout {
		c.timedOut = true
	}
}

// Expire spends the rest of the time budget: the request is timed out,
// as when a body parse stopped at the budget's end.
func (c *Context) Expire() {
	if c.e.opts.Timeout >= 0 {
		c.spent = max(c.spent, c.e.opts.Timeout)
		c.timedOut = true
	}
}

// Remaining returns what is left of the time budget between runs, or -1
// when there is no budget.
func (c *Context) Remaining() time.Duration {
	if c.e.opts.Timeout < 0 {
		return -1
	}
	return max(c.e.opts.Timeout-c.spent, 0)
}

// Reads reports whether a rule of the engine reads address name (an
// address nobody reads need not be built).
func (e *Engine) Reads(name string) bool {
	for _, a := range e.addrNames {
		if a == name {
			return true
		}
	}
	return false
}
