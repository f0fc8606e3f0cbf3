package collector

import (
	"strconv"

	"github.com/rampartsec/rampart/event"
)

// Grouping keys. The separator cannot occur in a decoded JSON string the
// library sends (it would be escaped), and ids are derived from keys.
const keySep = "\x1f"

// AttackKey is the grouping key of attack signals: one per service, rule and
// attacker IP.
func AttackKey(service, ruleID, ip string) string {
	return SignalAttack + keySep + service + keySep + ruleID + keySep + ip
}

// ExploitKey is the grouping key of exploit signals: one per service, rule
// and code location (file:line, or the detector and sink when the library
// sent no location).
func ExploitKey(service, ruleID, location string) string {
	return SignalExploit + keySep + service + keySep + ruleID + keySep + location
}

// severityRank orders severities; unknown ones rank lowest.
func severityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return 0
}

// SeverityRank returns the rank of a severity, low = 0 .. critical = 3.
func SeverityRank(s string) int { return severityRank(s) }

// attackSeverity rates an attack by its category: injections that can run
// code or reach data are high, scanners and protocol oddities low.
func attackSeverity(t *event.Trigger) string {
	switch t.Category {
	case "sqli", "rce", "ssrf", "lfi", "jndi", "ssti", "nosqli":
		return SeverityHigh
	case "scanner", "protocol":
		return SeverityLow
	case "security_response":
		// a blocked IP or user coming back
		return SeverityLow
	}
	return SeverityMedium
}

// primaryTrigger is the trigger an attack event is grouped by: the first
// blocking one, else the first.
func primaryTrigger(ev *event.Event) *event.Trigger {
	for i := range ev.Triggers {
		if ev.Triggers[i].Blocking {
			return &ev.Triggers[i]
		}
	}
	return &ev.Triggers[0]
}

// eventIP is the client IP of an event: its request's, else its own.
func eventIP(ev *event.Event) string {
	if ev.Request != nil && ev.Request.ClientIP != "" {
		return ev.Request.ClientIP
	}
	return ev.IP
}

// eventUser is the user an event is about: usr.id, else usr.login.
func eventUser(ev *event.Event) string {
	if ev.Usr == nil {
		return ""
	}
	if ev.Usr.ID != "" {
		return ev.Usr.ID
	}
	return ev.Usr.Login
}

// EventIP returns the client IP of an event: its request's, else its own.
func EventIP(ev *event.Event) string { return eventIP(ev) }

// EventUser returns the user an event is about: usr.id, else usr.login.
func EventUser(ev *event.Event) string { return eventUser(ev) }

// grouper merges a batch's events into signal updates, one per key.
type grouper struct {
	order []string
	byKey map[string]*Signal
}

func newGrouper() *grouper { return &grouper{byKey: map[string]*Signal{}} }

// add groups ev and returns its signal key, or "" for events that are not
// grouped here (user and request-summary events).
func (g *grouper) add(ev *event.Event) string {
	var s Signal
	switch ev.Type {
	case event.TypeAttack:
		t := primaryTrigger(ev)
		ip := eventIP(ev)
		s = Signal{Type: SignalAttack, Key: AttackKey(ev.Service, t.RuleID, ip), RuleID: t.RuleID,
			Severity: attackSeverity(t)}
		name := t.RuleName
		if name == "" {
			name = t.RuleID
		}
		s.Title = name
		if ip != "" {
			s.Title += " from " + ip
		}
	case event.TypeExploit:
		x := ev.Exploit
		loc := x.Detector + "/" + x.Sink
		if x.Location != nil && x.Location.File != "" {
			loc = x.Location.File + ":" + strconv.Itoa(x.Location.Line)
		}
		s = Signal{Type: SignalExploit, Key: ExploitKey(ev.Service, x.RuleID, loc), RuleID: x.RuleID,
			Location: loc, Severity: SeverityCritical}
		what := x.RuleName
		if what == "" {
			what = x.Detector + " exploit"
		}
		s.Title = what + " at " + loc
	default:
		return ""
	}
	cur, ok := g.byKey[s.Key]
	if !ok {
		s.ID = SignalID(s.Key)
		s.Status = StatusOpen
		s.Service, s.Env = ev.Service, ev.Env
		s.FirstSeen, s.LastSeen = ev.Time, ev.Time
		g.byKey[s.Key] = &s
		g.order = append(g.order, s.Key)
		cur = &s
	}
	cur.Count++
	if ev.Time.Before(cur.FirstSeen) {
		cur.FirstSeen = ev.Time
	}
	if ev.Time.After(cur.LastSeen) {
		cur.LastSeen = ev.Time
	}
	if severityRank(s.Severity) > severityRank(cur.Severity) {
		cur.Severity = s.Severity
	}
	cur.IPs = addValue(cur.IPs, eventIP(ev))
	cur.Users = addValue(cur.Users, eventUser(ev))
	return s.Key
}

func (g *grouper) signals() []Signal {
	out := make([]Signal, 0, len(g.order))
	for _, k := range g.order {
		out = append(out, *g.byKey[k])
	}
	return out
}

// addValue adds v to a small set, up to MaxSignalValues.
func addValue(set []string, v string) []string {
	if v == "" || len(set) >= MaxSignalValues {
		return set
	}
	for _, s := range set {
		if s == v {
			return set
		}
	}
	return append(set, v)
}
