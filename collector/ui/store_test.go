package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/sqlstore"
	"github.com/rampartsec/rampart/collector/ui"
)

// The SQL store is the UI's read model and keeps its users and sessions.
var (
	_ ui.ReadModel    = (*sqlstore.Store)(nil)
	_ ui.UserStore    = (*sqlstore.Store)(nil)
	_ ui.SessionStore = (*sqlstore.Store)(nil)
)

// New refuses a store that is only a collector.Store.
func TestNewNeedsReadModel(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	only := struct{ collector.Store }{st}
	if _, err := ui.New(context.Background(), ui.Config{Store: only}); err == nil || !strings.Contains(err.Error(), "ReadModel") {
		t.Fatalf("New over a bare collector.Store: %v, want an error naming the ReadModel", err)
	}
	if _, err := ui.New(context.Background(), ui.Config{Store: st}); err != nil {
		t.Fatal(err)
	}
}
