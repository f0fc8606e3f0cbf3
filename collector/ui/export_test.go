package ui

import (
	"context"

	"github.com/rampartsec/rampart/collector"
)

// ForgetOverview drops the cached overviews, for benchmarks.
func (u *UI) ForgetOverview() {
	u.mu.Lock()
	clear(u.overview)
	u.mu.Unlock()
}

// Notes returns a signal's notes as the store keeps them, for tests.
func (u *UI) Notes(ctx context.Context, signalID string) ([]collector.Note, error) {
	return u.notes.SignalNotes(ctx, signalID, 1000)
}
