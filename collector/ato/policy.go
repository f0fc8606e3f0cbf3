package ato

import (
	"fmt"
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
// value (an IP, a CIDR prefix, or a user id — the login when the id is not
// known), for how long.
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
					v = u.Login
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
