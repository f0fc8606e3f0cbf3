// Package event is the wire schema that the library sends and the collector
// receives: attack, exploit and user events with the request they came from.
// It uses only the standard library so both sides can import it.
package event

import "time"

// Types of events.
const (
	TypeAttack  = "attack"
	TypeExploit = "exploit"
)

// Event is one security event. Type selects which of the optional sections
// is set. Every value in it has been redacted by the library.
type Event struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Service, Env and Function say where the event happened.
	Service  string `json:"service,omitempty"`
	Env      string `json:"env,omitempty"`
	Function string `json:"function,omitempty"`
	// Request is the request the event belongs to.
	Request *Request `json:"request,omitempty"`
	// Triggers are the WAF rules that matched (attack events).
	Triggers []Trigger `json:"triggers,omitempty"`
	// Blocked is true when the request was blocked.
	Blocked bool `json:"blocked"`
	// Mode is "monitor" or "block": the mode the library ran in.
	Mode string `json:"mode,omitempty"`
	// TimedOut is true when the WAF's time budget ran out on this request.
	TimedOut bool `json:"timed_out,omitempty"`
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
	RuleID    string   `json:"rule_id"`
	RuleName  string   `json:"rule_name,omitempty"`
	Category  string   `json:"category,omitempty"`
	Type      string   `json:"type,omitempty"`
	Address   string   `json:"address"`
	KeyPath   []string `json:"key_path,omitempty"`
	Value     string   `json:"value,omitempty"`
	Highlight string   `json:"highlight,omitempty"`
	Blocking  bool     `json:"blocking,omitempty"`
}
