package rampart

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// Status says what an Agent runs: the facts of its startup line, for
// health endpoints and tests (Agent.Status).
type Status struct {
	// Mode and WAFMode are the agent's modes (exploit prevention follows
	// Mode; the request rules follow WAFMode).
	Mode, WAFMode Mode
	// Ruleset names the ruleset in force: "embedded default", "file " and
	// the path, or "Config.Rules".
	Ruleset string
	// Configured names the ruleset the configuration asks for, as Ruleset
	// does; empty for the embedded default. It differs from Ruleset after a
	// fallback.
	Configured string
	// RulesVersion is the ruleset's metadata.rules_version.
	RulesVersion string
	// Rules and ExploitRules count the request rules and the
	// exploit-prevention rules in force.
	Rules, ExploitRules int
	// RulesFallback is set when the configured ruleset could not be used:
	// the embedded default runs instead, and RulesError says why.
	RulesFallback bool
	// RulesError is why the configured ruleset was not used (a read error
	// or a *waf.RulesetError); nil without a fallback.
	RulesError error
	// Dropped lists the invalid rules (and exclusions, overrides, actions
	// or rules_data entries) left out of the configured ruleset.
	Dropped []*waf.RuleError
	// Version is rampart's version.
	Version string
	// Events says where the events go, such as "stderr (JSON lines)".
	Events string
	// Timeout is the time budget per request; negative means none.
	Timeout time.Duration
}

// attrs are the startup line's attributes.
func (s *Status) attrs() []any {
	rs := s.Ruleset
	if s.RulesFallback {
		rs += " (fallback: " + s.Configured + " is unusable)"
	}
	budget := s.Timeout.String()
	if s.Timeout < 0 {
		budget = "none"
	}
	out := []any{"mode", string(s.Mode), "waf_mode", string(s.WAFMode), "ruleset", rs}
	if s.RulesVersion != "" {
		out = append(out, "rules_version", s.RulesVersion)
	}
	out = append(out, "rules", s.Rules, "exploit_rules", s.ExploitRules)
	if len(s.Dropped) > 0 {
		out = append(out, "rules_dropped", len(s.Dropped))
	}
	return append(out, "version", s.Version, "events", s.Events, "budget", budget)
}

// maxSalvageRounds bounds the compilations of a ruleset with invalid
// items: each round leaves out the items that the previous one refused (an
// action left out can make the rules naming it invalid in the next one).
const maxSalvageRounds = 8

// compileRules compiles the ruleset cfg asks for, or the embedded default
// when it names none or names one that cannot be used (status.RulesFallback
// then). Invalid items of a ruleset are left out (status.Dropped). With
// cfg.StrictRules, a fallback or a dropped item is an error instead.
func compileRules(cfg *Config, opts waf.Options) (eng *waf.Engine, st Status, warnings []string, err error) {
	var src []byte
	switch {
	case cfg.Rules != nil:
		st.Configured, src = "Config.Rules", cfg.Rules
	case cfg.RulesFile != "":
		st.Configured = "file " + cfg.RulesFile
		b, err := os.ReadFile(cfg.RulesFile)
		if err != nil {
			st.RulesError = fmt.Errorf("reading the ruleset: %w", err)
		} else {
			src = b
		}
	}
	if src != nil {
		var dropped []*waf.RuleError
		eng, warnings, dropped, err = salvage(src, opts)
		st.Dropped = dropped
		if err == nil && eng.RuleCount()+eng.SinkRuleCount() == 0 {
			err = errors.New("the ruleset enables no rules")
		}
		if err == nil {
			if cfg.StrictRules && len(dropped) > 0 {
				return nil, st, nil, fmt.Errorf("rampart: %s (RAMPART_RULES_STRICT): %w", st.Configured, &waf.RulesetError{Problems: dropped})
			}
			st.Ruleset = st.Configured
			return eng, st, warnings, nil
		}
		st.RulesError = err
	}
	if st.RulesError != nil {
		if cfg.StrictRules {
			return nil, st, nil, fmt.Errorf("rampart: %s (RAMPART_RULES_STRICT): %w", st.Configured, st.RulesError)
		}
		st.RulesFallback = true
	}
	st.Ruleset = "embedded default"
	rs, warnings, err := waf.ParseRuleset(rules.Default())
	if err == nil {
		eng, err = waf.New(rs, opts)
	}
	if err != nil {
		return nil, st, nil, fmt.Errorf("rampart: the embedded ruleset: %w", err)
	}
	return eng, st, append(warnings, eng.Warnings()...), nil
}

// salvage compiles src, leaving out the items (rules, exclusions,
// overrides, actions, rules_data entries) that the parser or the compiler
// refuses, and returns their problems. It fails when a problem belongs to
// no item (the document is not JSON, has no version, ...) or when nothing
// valid is left.
func salvage(src []byte, opts waf.Options) (*waf.Engine, []string, []*waf.RuleError, error) {
	var dropped []*waf.RuleError
	for range maxSalvageRounds {
		rs, warns, err := waf.ParseRuleset(src)
		if err == nil {
			var eng *waf.Engine
			if eng, err = waf.New(rs, opts); err == nil {
				return eng, append(warns, eng.Warnings()...), dropped, nil
			}
		}
		var rse *waf.RulesetError
		if !errors.As(err, &rse) {
			return nil, nil, dropped, err
		}
		next, ok := leaveOut(src, rse.Problems)
		if !ok {
			return nil, nil, dropped, &waf.RulesetError{Problems: append(dropped, rse.Problems...)}
		}
		dropped = append(dropped, rse.Problems...)
		src = next
	}
	return nil, nil, dropped, &waf.RulesetError{Problems: dropped}
}

// itemSections are the ruleset's lists of items that can be left out one
// by one.
var itemSections = []string{"rules", "custom_rules", "exclusions", "rules_override", "rules_data", "actions"}

// itemPath matches a problem's path (or id) that names an item by its
// place, such as "rules[3].id" or "exclusions[0].conditions".
var itemPath = regexp.MustCompile(`^(rules|custom_rules|exclusions|rules_override|rules_data|actions)\[(\d+)\]`)

// leaveOut returns src without the items the problems belong to. It
// reports false when a problem belongs to no item.
func leaveOut(src []byte, problems []*waf.RuleError) ([]byte, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(src, &top) != nil {
		return nil, false
	}
	lists := map[string][]json.RawMessage{}
	ids := map[string][]string{}
	for _, sec := range itemSections {
		raw, ok := top[sec]
		if !ok {
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			continue // the whole section is refused: a problem with no item
		}
		lists[sec] = items
		ids[sec] = make([]string, len(items))
		for i, it := range items {
			var x struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(it, &x) == nil {
				ids[sec][i] = x.ID
			}
		}
	}
	drop := map[string]map[int]bool{}
	mark := func(sec string, i int) {
		if drop[sec] == nil {
			drop[sec] = map[int]bool{}
		}
		drop[sec][i] = true
	}
	byID := func(id string, secs ...string) bool {
		found := false
		for _, sec := range secs {
			for i, x := range ids[sec] {
				if x == id && id != "" {
					mark(sec, i)
					found = true
				}
			}
		}
		return found
	}
	for _, p := range problems {
		if m := itemPath.FindStringSubmatch(p.Path); m != nil {
			if i, _ := strconv.Atoi(m[2]); i < len(lists[m[1]]) {
				mark(m[1], i)
				continue
			}
		}
		if m := itemPath.FindStringSubmatch(p.RuleID); m != nil {
			if i, _ := strconv.Atoi(m[2]); i < len(lists[m[1]]) {
				mark(m[1], i)
				continue
			}
		}
		if id, ok := strings.CutPrefix(p.RuleID, "exclusion:"); ok && byID(id, "exclusions") {
			continue
		}
		if byID(p.RuleID, "rules", "custom_rules") || byID(p.RuleID, "exclusions", "rules_override", "actions", "rules_data") {
			continue
		}
		return nil, false
	}
	if len(drop) == 0 {
		return nil, false
	}
	for sec, ds := range drop {
		kept := make([]json.RawMessage, 0, len(lists[sec]))
		for i, it := range lists[sec] {
			if !ds[i] {
				kept = append(kept, it)
			}
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return nil, false
		}
		top[sec] = b
	}
	out, err := json.Marshal(top)
	if err != nil {
		return nil, false
	}
	return out, true
}

// describeExporter says where an exporter sends the events: its String
// method when it has one, else its type.
func describeExporter(x Exporter) string {
	if s, ok := x.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", x)
}

// logStart logs the agent's startup line, after an ERROR line for a
// fallback ruleset and one for each item left out of the ruleset.
func (a *Agent) logStart(warnings []string) {
	st := &a.status
	for _, w := range warnings {
		a.log.Warn("rampart: " + w)
	}
	if st.RulesFallback {
		a.log.Error("rampart: the configured ruleset cannot be used; running the embedded default ruleset instead", "ruleset", st.Configured, "error", st.RulesError)
	} else {
		for _, p := range st.Dropped {
			a.log.Error("rampart: invalid rule left out of the ruleset", "ruleset", st.Ruleset, "rule", p.RuleID, "path", p.Path, "error", p.Msg)
		}
	}
	if st.Timeout > 0 && st.Timeout < LowTimeout {
		a.log.Warn(fmt.Sprintf("rampart: the time budget %v is below %v: most requests will run out of it before every rule has run", st.Timeout, LowTimeout))
	}
	if st.ExploitRules == 0 {
		a.log.Warn("rampart: exploit prevention is off: the ruleset has no exploit-prevention rules")
	}
	if st.Rules == 0 {
		a.log.Warn("rampart: the WAF is off: the ruleset has no request rules")
	}
	a.log.Info("rampart: on", st.attrs()...)
}
