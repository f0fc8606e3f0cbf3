package ato

import "time"

// Signal types, as named in the collector's API contract.
const (
	TypeBruteForce         = "brute_force"
	TypeCredentialStuffing = "credential_stuffing"
	TypeDistributed        = "distributed_credential_stuffing"
	TypeAccountTakeover    = "account_takeover"
	TypeLoginVelocity      = "login_velocity"
)

// Severities of signals.
const (
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Signal is one detection: what kind of attack, on whom, from where, and
// the attempts that show it.
type Signal struct {
	// Type is one of the Type constants.
	Type string
	// Key identifies the campaign: the type and its subject (an account,
	// an IP group, or "global" for distributed stuffing). A detector emits
	// a key at most once per Config.Cooldown while the attack goes on
	// (and, with Config.Updates, updates within it: Update); later
	// emissions with the same key are updates of the same campaign.
	Key      string
	Severity string
	// Reason says in one sentence why the signal was raised.
	Reason string
	// Users are the targeted accounts (as many as MaxUsers).
	Users []User
	// IPs are the attacking addresses or, for IPv6 and configured IPv4
	// prefixes, the attacking prefixes in CIDR notation ("2001:db8::/64").
	// Shared addresses where other users mostly log in successfully (an
	// office NAT) are left out.
	IPs []string
	// Count is the number of attempts counted, Failures those that failed.
	Count, Failures int
	// New is the number of the attempts counted that no earlier emission
	// of the key counted: what a campaign's running total adds (the
	// windows of two emissions overlap).
	New int
	// Update is set on an emission within the key's cooldown
	// (Config.Updates): the campaign goes on, and New is what it adds to
	// the running total since the last emission. The rest is what the
	// detector sees now; a response to it was made at the emission that
	// started the cooldown.
	Update bool
	// FirstSeen and LastSeen bound the attempts counted; DetectedAt is the
	// time of the event that raised the signal. All are event time.
	FirstSeen, LastSeen, DetectedAt time.Time
	// Timeline is the most recent attempts (as many as
	// Config.TimelineLimit), oldest first.
	Timeline []Attempt
	// Metrics are the figures the detector compared with its thresholds
	// (failure_ratio, baseline_failure_ratio, distinct_logins, ...).
	Metrics map[string]float64

	counted []time.Time // the attempts' times, for New
}

// User is an account named by a signal.
type User struct {
	ID    string
	Login string
	// Exists is what the application said about the account, nil when it
	// did not say.
	Exists *bool
}

// Attempt is one login attempt of a signal's timeline.
type Attempt struct {
	Time    time.Time
	Success bool
	// IP is the client's IP group: the address, or its prefix.
	IP     string
	UserID string
	Login  string
	Exists *bool
}
