package expvarstats

import (
	"expvar"
	"testing"
)

// A name that something else published is refused with an error, not a
// panic, and left as it was.
func TestPublishTakenName(t *testing.T) {
	theirs := expvar.NewInt("expvarstats_test_taken")
	theirs.Set(7)
	if err := publish("expvarstats_test_taken", nil); err == nil {
		t.Fatal("publishing over a taken name: no error")
	}
	if got := expvar.Get("expvarstats_test_taken").String(); got != "7" {
		t.Errorf("the taken name shows %q", got)
	}
}
