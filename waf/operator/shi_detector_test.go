package operator

import "testing"

// TestShiCmdiDetector runs the two command detectors through the Detector
// interface the engine uses, on pairs of the same shape.
func TestShiCmdiDetector(t *testing.T) {
	shi, err := newSHIDetector(Params{})
	if err != nil {
		t.Fatal(err)
	}
	cmdi, err := newCMDIDetector(Params{})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		det     Detector
		sink    Sink
		input   string
		exploit bool
	}{
		{shi, Sink{Resource: "ping -c 1 ;id"}, ";id", true},
		{shi, Sink{Resource: "ping -c 1 ';id'"}, ";id", false},
		{shi, Sink{Resource: "ping -c 1 id"}, "id", false},
		{shi, Sink{Resource: "ping -c 1 x;id"}, ";", false},
		{shi, Sink{Resource: "ls /srv # files of bob"}, "of bob", false},
		// A command line given as a list keeps its boundaries.
		{shi, Sink{Resource: "echo 'a b'", Argv: []string{"echo", "'a", "b'"}}, "a b", true},
		{shi, Sink{Resource: "echo 'a b'", Argv: []string{"echo", "'a b'"}}, "a b", false},
		{cmdi, Sink{Argv: []string{"git", "clone", "-c", "x"}}, "-c", true},
		{cmdi, Sink{Argv: []string{"git", "clone", "--", "-c"}}, "-c", false},
		{cmdi, Sink{Argv: []string{"bash", "-c", "-i", "ls x;id"}}, ";id", true},
		{cmdi, Sink{Argv: []string{"bash", "-c", "-i", "ls 'x;id'"}}, ";id", false},
		{cmdi, Sink{Argv: []string{"echo", "x", "y"}}, "x y", true},
		{cmdi, Sink{Argv: []string{"echo", "x y"}}, "x y", false},
	}
	for _, r := range rows {
		f, got := r.det.Detect(&r.sink, []string{"unrelated", r.input})
		if got != r.exploit {
			t.Errorf("%T on %+v, %q: %v %q, want %v", r.det, r.sink, r.input, got, f.Reason, r.exploit)
		}
		if got && (f.Input != r.input || f.Reason == "") {
			t.Errorf("%T on %+v: finding %+v", r.det, r.sink, f)
		}
	}
}
