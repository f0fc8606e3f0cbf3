package rampart_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/operator"
)

// TestBlockedLogin: a block_user decision that names a login (the
// collector's value for an account whose id the application never gave)
// blocks the login calls for it, whatever its case.
func TestBlockedLogin(t *testing.T) {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: &eventtest.Recorder{}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	in, err := httpinput.FromHTTP(httptest.NewRequest("POST", "/login", nil), a.InputOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := a.NewRequest(in)
	defer r.Finish(200)
	if err := a.Engine().UpdateData("blocked_users", []operator.DataEntry{{Value: "mallory@example.com"}}); err != nil {
		t.Fatal(err)
	}
	ctx := rampart.WithRequest(context.Background(), r)
	if err := rampart.TrackLoginFailure(ctx, "someone@example.com", true); err != nil {
		t.Fatalf("another login: %v", err)
	}
	err = rampart.TrackLoginFailure(ctx, "Mallory@Example.com", true)
	if !errors.Is(err, rampart.ErrBlocked) || rampart.ActionOf(err) != rampart.ActionBlock {
		t.Fatalf("blocked login: %v", err)
	}
}
