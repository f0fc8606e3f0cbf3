// Package event is the wire schema that the library sends and the collector
// receives: attack, exploit and user events with the request they came from.
// It uses only the standard library so both sides can import it.
package event

import "time"

// Types of events.
const (
	TypeAttack  = "attack"  // WAF rules matched a request (Triggers)
	TypeExploit = "exploit" // exploit prevention caught a sink call (Exploit)
	// TypeRequest is a request summary: a protected request, reported so
	// the collector knows what is running (service, version, mode). The
	// library sends one for each request on which the WAF's time budget
	// ran out with no rule matched (TimedOut, NotRun), so that no timeout
	// goes unseen.
	TypeRequest = "request"

	// User events, emitted by the application's business logic (Usr, IP,
	// UserAgent, SessionID, Metadata).
	TypeLoginSuccess  = "user.login.success"
	TypeLoginFailure  = "user.login.failure"
	TypeSignup        = "user.signup"
	TypeSessionCreate = "session.create"
	TypeCustom        = "custom" // Name says which
)

// IsUserEvent reports whether t is one of the user event types.
func IsUserEvent(t string) bool {
	switch t {
	case TypeLoginSuccess, TypeLoginFailure, TypeSignup, TypeSessionCreate, TypeCustom:
		return true
	}
	return false
}

// Event is one security event. Type selects which of the optional sections
// is set. Every value in it has been redacted by the library.
type Event struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Service, Env and Function say where the event happened.
	Service  string `json:"service,omitempty"`
	Env      string `json:"env,omitempty"`
	Function string `json:"function,omitempty"`
	// Version is the rampart library version that sent the event.
	Version string `json:"version,omitempty"`
	// ColdStart is true for the first invocation of a Lambda execution
	// environment.
	ColdStart bool `json:"cold_start,omitempty"`
	// Request is the request the event belongs to.
	Request *Request `json:"request,omitempty"`
	// Triggers are the WAF rules that matched (attack events).
	Triggers []Trigger `json:"triggers,omitempty"`
	// Blocked is true when the request was blocked.
	Blocked bool `json:"blocked"`
	// Mode is "monitor" or "block": the mode the library ran in.
	Mode string `json:"mode,omitempty"`
	// TimedOut is true when the WAF's time budget ran out on this request:
	// the rules in NotRun did not see all of it.
	TimedOut bool `json:"timed_out,omitempty"`
	// NotRun are the ids of the WAF rules the time budget kept from
	// evaluating the whole request, at most MaxNotRun of them, in the
	// ruleset's order; NotRunCount is their number.
	NotRun      []string `json:"rules_not_run,omitempty"`
	NotRunCount int      `json:"rules_not_run_count,omitempty"`
	// Exploit is the exploit caught at a sink (exploit events).
	Exploit *Exploit `json:"exploit,omitempty"`

	// The fields of user events, as in the collector's contract.
	IP        string         `json:"ip,omitempty"`
	UserAgent string         `json:"user_agent,omitempty"`
	Usr       *User          `json:"usr,omitempty"`
	SessionID string         `json:"session_id,omitempty"`
	Name      string         `json:"name,omitempty"` // custom events
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// MaxNotRun bounds the rule ids an event lists in NotRun.
const MaxNotRun = 20

// User is the user a user event is about.
type User struct {
	ID    string `json:"id,omitempty"`
	Login string `json:"login,omitempty"`
	// Exists says whether the account exists (login failures); nil when
	// the application did not say.
	Exists *bool `json:"exists,omitempty"`
}

// Exploit is an exploit caught by exploit prevention (RASP) at a sink: the
// request's input changed the structure of the resource the code was about
// to use.
type Exploit struct {
	RuleID   string `json:"rule_id"`
	RuleName string `json:"rule_name,omitempty"`
	// Detector is sqli, ssrf, shi, cmdi or lfi.
	Detector string `json:"detector"`
	// Sink is sql, http, shell, exec or file.
	Sink string `json:"sink"`
	// Resource is the statement, URL, command or path (truncated).
	Resource string `json:"resource"`
	// System is the database system for SQL sinks (postgresql, sqlite...).
	System string `json:"system,omitempty"`
	// Input is the user input found in the resource, with the address and
	// key path it came from.
	Input        string   `json:"input"`
	InputAddress string   `json:"input_address,omitempty"`
	InputKeyPath []string `json:"input_key_path,omitempty"`
	// Start and End are the byte offsets of Input inside Resource, for
	// highlighting (End == 0 when unknown).
	Start int `json:"start"`
	End   int `json:"end"`
	// Reason says how the input changed the resource's structure.
	Reason string `json:"reason"`
	// Location is the first frame of the application's own code that made
	// the call; Stack is the whole stack, innermost first.
	Location *Frame  `json:"location,omitempty"`
	Stack    []Frame `json:"stack,omitempty"`
}

// Frame is one frame of a stack trace.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// Request is the redacted summary of an HTTP request.
type Request struct {
	Method    string            `json:"method"`
	URI       string            `json:"uri"`
	Route     string            `json:"route,omitempty"`
	ClientIP  string            `json:"client_ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Status    int               `json:"status,omitempty"`
}

// Trigger is one matched rule.
type Trigger struct {
	RuleID   string   `json:"rule_id"`
	RuleName string   `json:"rule_name,omitempty"`
	Category string   `json:"category,omitempty"`
	Type     string   `json:"type,omitempty"`
	Address  string   `json:"address"`
	KeyPath  []string `json:"key_path,omitempty"`
	// Value is the value the rule matched: after its transformers (lower-
	// cased, URL-decoded...) and the engine's decoding (Base64, escapes).
	Value string `json:"value,omitempty"`
	// Raw is the value as the client sent it, before any of them,
	// redacted and truncated as Value is; empty when it is Value (and in
	// events of libraries older than the field).
	Raw string `json:"raw,omitempty"`
	// Highlight is the part of Value the rule's operator matched.
	Highlight string `json:"highlight,omitempty"`
	Blocking  bool   `json:"blocking,omitempty"`
}
