package collector

import "time"

// The types below are what the web UI (collector/ui) reads beside the
// Store, and its own accounts and sessions. The ui package declares the
// interfaces it needs over them; collector/sqlstore implements them.

// Overview is what the overview page shows about a time window.
//
// The counts over time, the top IPs, the open signals and the services
// come from indexed columns and are exact. What only the events' JSON says
// (blocked or not, the route, the rules, the function, version and mode) is
// read from the newest OverviewSampleLimit events of each type in the
// window: decoding every event of a busy day would make the page slow
// (about 5 s for 100,000 events). Sampled is the number of events read,
// Sampled < Total when the window holds more.
type Overview struct {
	Since, Until time.Time
	// Bucket is the width of one bar of the chart.
	Bucket time.Duration
	// Attacks and Exploits count the events per bucket.
	Attacks, Exploits []int64
	// Blocked and Monitored count the sampled attack and exploit events
	// whose request was blocked, or only reported.
	Blocked, Monitored int64
	// Sampled is the number of attack and exploit events Blocked,
	// Monitored, TopRoutes and TopRules were counted over; Total all of
	// them.
	Sampled, Total int64
	// TimedOut counts the requests on which the WAF's time budget ran
	// out (attack and request events with timed_out), exactly.
	TimedOut  int64
	TopIPs    []Count
	TopRoutes []Count
	TopRules  []Count
	// OpenBySeverity counts the open signals, lowest severity first, as
	// Severities.
	OpenBySeverity []Count
	Services       []Service
}

// OverviewSampleLimit bounds the attack and exploit events whose JSON an
// Overview decodes (a tenth of it for each other event type).
const OverviewSampleLimit = 5000

// Count is one row of an Overview's top list.
type Count struct {
	Label string
	// Kind says what Label is (a signal type for rules, the method for
	// routes).
	Kind    string
	N       int64
	Blocked int64
}

// Service is a service seen in an Overview's window: its events are
// counted exactly; Functions, Version and Mode are those of its newest
// sampled events.
type Service struct {
	Service   string
	Functions []string
	Version   string
	Mode      string
	LastEvent time.Time
	Events    int64
}

// Login is one login attempt of an account-takeover signal's timeline.
type Login struct {
	Time    time.Time
	Success bool
	IP      string
	User    string
	// Service is the service that reported the attempt.
	Service string
	// Exists is what the event said of the account (usr.exists).
	Exists *bool
}

// UIUser is an account of the web UI, created by an admin.
type UIUser struct {
	ID    string
	Login string
	Role  string
	// PasswordHash is the stored form of the password; lists of users
	// leave it empty.
	PasswordHash string
	CreatedAt    time.Time
}

// UISession is a logged-in browser of the web UI. It is stored under the
// SHA-256 of the cookie's token, so a read of the store gives no session
// away.
type UISession struct {
	// UserID is a UIUser's id, or "key:<id>" for the admin token.
	UserID  string
	Login   string
	Role    string
	CSRF    string
	Expires time.Time
}

// Note is what a person wrote on a signal in the UI ("investigating,
// ticket SEC-123"): who wrote it, when, and whom the signal is assigned
// to from then on.
type Note struct {
	ID       string
	SignalID string
	// Author is the login of the UI user who wrote it.
	Author string
	Text   string
	// Assignee is whom the signal is assigned to after this note ("" for
	// no one): the newest note's is the signal's.
	Assignee  string
	CreatedAt time.Time
}

// Bounds of a Note.
const (
	// MaxNoteText bounds a note's text, in bytes.
	MaxNoteText = 4096
	// MaxAssignee bounds a note's Assignee, in bytes.
	MaxAssignee = 256
)

// NoteSummary is what a list of signals shows of a signal's notes.
type NoteSummary struct {
	// Notes is the number of notes on the signal.
	Notes int64
	// Last is the newest note.
	Last Note
}
