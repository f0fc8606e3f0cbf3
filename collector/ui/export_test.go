package ui

// ForgetOverview drops the cached overviews, for benchmarks.
func (u *UI) ForgetOverview() {
	u.mu.Lock()
	clear(u.overview)
	u.mu.Unlock()
}
