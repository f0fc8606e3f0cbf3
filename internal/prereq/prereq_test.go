package prereq

import (
	"testing"
)

// fakeTB records what Missing does to a test.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = format }
func (f *fakeTB) Skipf(format string, args ...any)  { f.skip = format }

// Only RAMPART_REQUIRE=1 makes a missing prerequisite fail; any other
// value skips.
func TestMissing(t *testing.T) {
	for _, c := range []struct {
		value    string
		required bool
	}{{"1", true}, {"", false}, {"0", false}, {"true", false}, {"yes", false}} {
		t.Setenv(Env, c.value)
		if Required() != c.required {
			t.Errorf("%s=%q: Required() = %v, want %v", Env, c.value, !c.required, c.required)
		}
		f := &fakeTB{}
		Missing(f, "redis at %s: %v", "x", "refused")
		if c.required && (f.fatal != "redis at %s: %v ("+Env+"=1)" || f.skip != "") {
			t.Errorf("%s=%q: fatal %q, skip %q, want a failure naming the variable", Env, c.value, f.fatal, f.skip)
		}
		if !c.required && (f.skip != "redis at %s: %v" || f.fatal != "") {
			t.Errorf("%s=%q: fatal %q, skip %q, want a skip", Env, c.value, f.fatal, f.skip)
		}
	}
}
