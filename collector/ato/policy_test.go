package ato_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
)

var policyRows = []struct {
	name string
	in   string
	ok   bool
}{
	{"override and off", `{"brute_force": [{"kind": "block_ip", "duration": "2h"}, {"kind": "challenge_user", "duration": "30m", "existing_only": true}], "login_velocity": []}`, true},
	{"empty", `{}`, true},
	{"unknown type", `{"dos": [{"kind": "block_ip", "duration": "1h"}]}`, false},
	{"unknown kind", `{"brute_force": [{"kind": "ban", "duration": "1h"}]}`, false},
	{"zero duration", `{"brute_force": [{"kind": "block_ip", "duration": "0s"}]}`, false},
	{"negative duration", `{"brute_force": [{"kind": "block_ip", "duration": "-1h"}]}`, false},
	{"bad duration", `{"brute_force": [{"kind": "block_ip", "duration": "forever"}]}`, false},
	{"unknown field", `{"brute_force": [{"kind": "block_ip", "duration": "1h", "scope": "all"}]}`, false},
	{"trailing data", `{} {}`, false},
	{"not an object", `[1]`, false},
}

func TestParsePolicy(t *testing.T) {
	for _, r := range policyRows {
		t.Run(r.name, func(t *testing.T) {
			_, err := ato.ParsePolicy([]byte(r.in))
			if (err == nil) != r.ok {
				t.Fatalf("ParsePolicy(%s): %v, want ok=%v", r.in, err, r.ok)
			}
		})
	}
	p, err := ato.ParsePolicy([]byte(policyRows[0].in))
	if err != nil {
		t.Fatal(err)
	}
	rs := p.Responses[ato.TypeBruteForce]
	if len(rs) != 2 || rs[0].Duration != 2*time.Hour || !rs[1].ExistingOnly {
		t.Fatalf("responses %+v", rs)
	}
	if ds := p.Respond(ato.Signal{Type: ato.TypeLoginVelocity, Users: []ato.User{{ID: "u"}}}); len(ds) != 0 {
		t.Fatalf("turned-off type: %+v", ds)
	}
	if ds := p.Respond(ato.Signal{Type: ato.TypeAccountTakeover, Users: []ato.User{{ID: "u"}}}); len(ds) != 1 {
		t.Fatalf("type left to the defaults: %+v", ds)
	}
	big := `{"brute_force": [` + strings.Repeat(`{"kind": "block_ip", "duration": "1h"},`, 3000) + `{"kind": "block_ip", "duration": "1h"}]}`
	if _, err := ato.ParsePolicy([]byte(big)); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("a %d-byte policy: %v", len(big), err)
	}
}

// FuzzParsePolicy: any input is accepted or rejected without panic; an
// accepted policy validates and its responses only name known kinds with
// positive durations.
func FuzzParsePolicy(f *testing.F) {
	for _, r := range policyRows {
		f.Add([]byte(r.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ato.ParsePolicy(data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted policy does not validate: %v", err)
		}
		for typ, rs := range p.Responses {
			for _, r := range rs {
				if r.Duration <= 0 {
					t.Fatalf("%s: %+v", typ, r)
				}
			}
		}
	})
}
