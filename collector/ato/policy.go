package ato

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Decision kinds, as named in the collector's API contract.
const (
	BlockIP       = "block_ip"
	BlockUser     = "block_user"
	ChallengeIP   = "challenge_ip"
	ChallengeUser = "challenge_user"
)

// Decision is a response proposed for a signal: what to enforce, on which
// value (an IP, a CIDR prefix, or a user id — the login, case folded, when
// the id is not known), for how long.
type Decision struct {
	Kind     string
	Value    string
	Duration time.Duration
	Reason   string
	// SignalKey and SignalType name the signal the decision answers.
	SignalKey, SignalType string
}

// Response is one entry of a Policy: for a signal type, a decision kind
// and its duration. ExistingOnly limits user decisions to accounts the
// application said exist (there is nothing to protect in the others).
type Response struct {
	Kind         string
	Duration     time.Duration
	ExistingOnly bool
}

// Policy maps signals to decisions. Its zero value uses DefaultResponses.
type Policy struct {
	// Responses lists, per signal type, the decisions to make; a type
	// that is absent (or nil Responses) takes its DefaultResponses entry,
	// a type mapped to an empty list gets no decisions.
	Responses map[string][]Response
}

// DefaultResponses returns the default policy, a fresh map each call:
//
//   - brute_force: block the attacking IPs for 1h, challenge the user
//     (unless it does not exist) for 1h;
//   - credential_stuffing: block the IP for 4h (CrowdSec's ban), challenge
//     the existing targeted users for 24h;
//   - distributed_credential_stuffing: block the named IPs for 1h,
//     challenge the existing targeted users for 24h;
//   - account_takeover: challenge the user for 24h;
//   - login_velocity: challenge the user for 1h.
//
// A user is challenged rather than blocked: the attacker may know the
// password, the real user must still get in.
func DefaultResponses() map[string][]Response {
	return map[string][]Response{
		TypeBruteForce:         {{Kind: BlockIP, Duration: time.Hour}, {Kind: ChallengeUser, Duration: time.Hour}},
		TypeCredentialStuffing: {{Kind: BlockIP, Duration: 4 * time.Hour}, {Kind: ChallengeUser, Duration: 24 * time.Hour, ExistingOnly: true}},
		TypeDistributed:        {{Kind: BlockIP, Duration: time.Hour}, {Kind: ChallengeUser, Duration: 24 * time.Hour, ExistingOnly: true}},
		TypeAccountTakeover:    {{Kind: ChallengeUser, Duration: 24 * time.Hour}},
		TypeLoginVelocity:      {{Kind: ChallengeUser, Duration: time.Hour}},
	}
}

// Validate reports unknown decision kinds and durations that are not
// positive.
func (p *Policy) Validate() error {
	for typ, rs := range p.Responses {
		for _, r := range rs {
			switch r.Kind {
			case BlockIP, BlockUser, ChallengeIP, ChallengeUser:
			default:
				return fmt.Errorf("ato: policy for %s: unknown decision kind %q", typ, r.Kind)
			}
			if r.Duration <= 0 {
				return fmt.Errorf("ato: policy for %s: %s needs a positive duration", typ, r.Kind)
			}
		}
	}
	return nil
}

// Respond returns the decisions for s: one per IP for IP kinds, one per
// user for user kinds. Users known not to exist get none (there is no
// account to protect), nor do users without an id or a login, nor, with
// ExistingOnly, users the application did not say exist.
func (p *Policy) Respond(s Signal) []Decision {
	rs, ok := p.Responses[s.Type]
	if !ok {
		rs = DefaultResponses()[s.Type]
	}
	var out []Decision
	for _, r := range rs {
		switch r.Kind {
		case BlockIP, ChallengeIP:
			for _, ip := range s.IPs {
				out = append(out, Decision{Kind: r.Kind, Value: ip, Duration: r.Duration, Reason: s.Reason, SignalKey: s.Key, SignalType: s.Type})
			}
		case BlockUser, ChallengeUser:
			for _, u := range s.Users {
				if u.Exists != nil && !*u.Exists || r.ExistingOnly && u.Exists == nil {
					continue
				}
				v := u.ID
				if v == "" {
					v = strings.ToLower(strings.TrimSpace(u.Login))
				}
				if v == "" {
					continue
				}
				out = append(out, Decision{Kind: r.Kind, Value: v, Duration: r.Duration, Reason: s.Reason, SignalKey: s.Key, SignalType: s.Type})
			}
		}
	}
	return out
}

// maxPolicySize bounds a policy document: a few responses per signal
// type fit in a few hundred bytes.
const maxPolicySize = 64 << 10

// ParsePolicy reads a policy from JSON: an object mapping signal types to
// lists of responses, durations in Go syntax ("90m", "24h"):
//
//	{"brute_force": [{"kind": "block_ip", "duration": "2h"}],
//	 "login_velocity": []}
//
// Types it does not name keep their DefaultResponses; an empty list turns
// a type's responses off. Unknown signal types, unknown kinds, durations
// that are not positive and unknown fields are errors.
func ParsePolicy(data []byte) (Policy, error) {
	if len(data) > maxPolicySize {
		return Policy{}, fmt.Errorf("ato: policy of %d bytes (at most %d)", len(data), maxPolicySize)
	}
	var raw map[string][]struct {
		Kind         string `json:"kind"`
		Duration     string `json:"duration"`
		ExistingOnly bool   `json:"existing_only"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Policy{}, fmt.Errorf("ato: policy: %w", err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("ato: policy: data after the object")
	}
	p := Policy{Responses: map[string][]Response{}}
	known := DefaultResponses()
	for typ, rs := range raw {
		if _, ok := known[typ]; !ok {
			return Policy{}, fmt.Errorf("ato: policy: unknown signal type %q", typ)
		}
		out := make([]Response, 0, len(rs))
		for _, r := range rs {
			d, err := time.ParseDuration(r.Duration)
			if err != nil {
				return Policy{}, fmt.Errorf("ato: policy for %s: %s: %w", typ, r.Kind, err)
			}
			out = append(out, Response{Kind: r.Kind, Duration: d, ExistingOnly: r.ExistingOnly})
		}
		p.Responses[typ] = out
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}
