package waf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart/internal/jsonscan"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// CompatVersion is the libddwaf version whose rule semantics this engine
// implements; rules whose min_version is above it, or whose max_version is
// below it, are skipped with a warning, as libddwaf itself does.
const CompatVersion = "1.28.0"

// Ruleset is a parsed and validated ruleset in the libddwaf JSON format
// (version 2.x). Build one with ParseRuleset and compile it with New.
type Ruleset struct {
	Version      string
	RulesVersion string
	Rules        []Rule
	CustomRules  []Rule
	Data         []DataSpec
	Exclusions   []Exclusion
	Overrides    []Override
	Actions      []ActionSpec
}

// Rule is one rule of a ruleset.
type Rule struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Tags         map[string]string `json:"tags"`
	Conditions   []Condition       `json:"conditions"`
	Transformers []string          `json:"transformers"`
	OnMatch      []string          `json:"on_match"`
	Enabled      *bool             `json:"enabled"`
	MinVersion   string            `json:"min_version"`
	MaxVersion   string            `json:"max_version"`
}

// Condition is one condition of a rule: an operator over inputs. All the
// conditions of a rule must match for the rule to match.
type Condition struct {
	// Operator is the operator's name; a leading "!" negates it.
	Operator string
	// Inputs are the addresses the operator reads.
	Inputs []Input
	// Params holds the other parameters as raw JSON.
	Params map[string]json.RawMessage
	// compiled is the operator built while validating, reused by New.
	compiled operator.Operator
	// job compiles it while the parse goes on (see opJobs), until the
	// parse ends.
	job *opJob
}

// Input selects an address (and optionally a key path inside it) for a
// condition, with its own transformers when set.
type Input struct {
	Address      string   `json:"address"`
	KeyPath      []string `json:"key_path"`
	Transformers []string `json:"transformers"`
	// hasTransformers distinguishes "no transformers key" (use the rule's)
	// from an explicit empty list.
	hasTransformers bool
}

// DataSpec is one rules_data list.
type DataSpec struct {
	ID   string               `json:"id"`
	Type string               `json:"type"`
	Data []operator.DataEntry `json:"data"`
}

// Target selects rules by id or by tags.
type Target struct {
	RuleID string            `json:"rule_id"`
	Tags   map[string]string `json:"tags"`
}

// Exclusion disables rules, or removes inputs from their evaluation, for the
// requests that match its conditions (all requests when it has none).
type Exclusion struct {
	ID          string      `json:"id"`
	RulesTarget []Target    `json:"rules_target"`
	Inputs      []Input     `json:"inputs"`
	Conditions  []Condition `json:"conditions"`
	// OnMatch "monitor" keeps the targeted rules but drops their blocking
	// actions instead of disabling them.
	OnMatch string `json:"on_match"`
}

// Override changes the enabled flag or the actions of the targeted rules.
type Override struct {
	ID          string   `json:"id"`
	RulesTarget []Target `json:"rules_target"`
	Enabled     *bool    `json:"enabled"`
	OnMatch     []string `json:"on_match"`
}

// ActionSpec defines an action that rules name in on_match.
type ActionSpec struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Parameters map[string]any `json:"parameters"`
}

// RuleError is one problem found in a ruleset.
type RuleError struct {
	RuleID string // the rule (or exclusion, action, data) id; "" for top-level problems
	Path   string // the field, such as "conditions[0].parameters.regex"
	Msg    string
}

// Error formats the problem as "id: path: message".
func (e *RuleError) Error() string {
	switch {
	case e.RuleID != "" && e.Path != "":
		return fmt.Sprintf("%s: %s: %s", e.RuleID, e.Path, e.Msg)
	case e.RuleID != "":
		return fmt.Sprintf("%s: %s", e.RuleID, e.Msg)
	case e.Path != "":
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return e.Msg
}

// RulesetError lists every problem found in a refused ruleset.
type RulesetError struct {
	Problems []*RuleError
}

// Error lists every problem, one a line.
func (e *RulesetError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid ruleset: %d problem(s)", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems, for errors.As.
func (e *RulesetError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// knownSections are the top-level keys this engine reads.
var knownSections = map[string]bool{
	"version": true, "metadata": true, "rules": true, "custom_rules": true,
	"rules_data": true, "exclusions": true, "rules_override": true, "actions": true,
}

// builtinActions are the actions every ruleset may name without defining.
var builtinActions = map[string]ActionSpec{
	"block":          {ID: "block", Type: "block_request", Parameters: map[string]any{"status_code": 403.0, "type": "auto", "grpc_status_code": 7.0}},
	"stack_trace":    {ID: "stack_trace", Type: "generate_stack"},
	"monitor":        {ID: "monitor", Type: "monitor"},
	"extract_schema": {ID: "extract_schema", Type: "generate_schema"},
}

// actionTypes are the action types this engine understands.
var actionTypes = map[string]bool{
	"block_request": true, "redirect_request": true, "generate_stack": true,
	"monitor": true, "generate_schema": true,
}

// detectorOperators are the exploit-prevention operators: they read a sink
// resource and the request's inputs, and only run at the sinks.
var detectorOperators = map[string]bool{
	"sqli_detector": true, "ssrf_detector": true, "shi_detector": true,
	"cmdi_detector": true, "lfi_detector": true,
}

// ParseRuleset parses and validates a ruleset. It returns warnings for the
// parts it ignores (unknown sections, rules for other engine versions) and a
// *RulesetError listing every problem when the ruleset is invalid.
func ParseRuleset(data []byte) (*Ruleset, []string, error) {
	if len(data) < parallelValidation || runtime.GOMAXPROCS(0) < 2 {
		if !jsonscan.Valid(data) {
			return invalidJSON(data)
		}
		return parseValid(data)
	}
	// The validation of a large document runs beside the parse, whose
	// result only counts when the document is valid JSON (the splitter does
	// not validate, but always ends, even on invalid input).
	valid := make(chan bool, 1)
	go func() { valid <- jsonscan.Valid(data) }()
	rs, warns, err, crash := parseUnchecked(data)
	if !<-valid {
		return invalidJSON(data)
	}
	if crash != nil {
		panic(crash)
	}
	return rs, warns, err
}

// parallelValidation is the document size from which ParseRuleset
// validates the JSON concurrently with the parse.
const parallelValidation = 64 << 10

// invalidJSON is ParseRuleset's error for a document that is not JSON.
func invalidJSON(data []byte) (*Ruleset, []string, error) {
	var top map[string]json.RawMessage
	err := json.Unmarshal(data, &top) // for its message
	if err == nil {
		err = fmt.Errorf("invalid JSON")
	}
	return nil, nil, &RulesetError{Problems: []*RuleError{{Msg: "not a JSON object: " + err.Error()}}}
}

// parseUnchecked is parseValid on a document not validated yet: a panic
// is returned, for the caller to raise only if the document was valid.
func parseUnchecked(data []byte) (rs *Ruleset, warns []string, err error, crash any) {
	defer func() {
		if r := recover(); r != nil {
			rs, warns, err, crash = nil, nil, nil, r
		}
	}()
	rs, warns, err = parseValid(data)
	return rs, warns, err, nil
}

// parseValid is ParseRuleset on a document that is valid JSON. The
// regular expressions of a large document are parsed on other CPUs while
// the rest of it is (see opJobs); when one of them fails, the document is
// parsed again with every operator compiled in turn, so that the problems
// are the same, in the same order.
func parseValid(data []byte) (*Ruleset, []string, error) {
	if len(data) >= parallelCompile && runtime.GOMAXPROCS(0) >= 2 {
		if rs, warns, err, ok := parseWith(data, newOpJobs()); ok {
			return rs, warns, err
		}
	}
	rs, warns, err, _ := parseWith(data, nil)
	return rs, warns, err
}

// parallelCompile is the document size from which parseValid compiles
// operators on other CPUs.
const parallelCompile = 64 << 10

// parseWith parses a valid document, compiling the costly operators with
// jobs when not nil; ok is false when one of them failed, and the result
// is then not to be used.
func parseWith(data []byte, jobs *opJobs) (rs *Ruleset, warns []string, err error, ok bool) {
	var top map[string]json.RawMessage
	if err := decodeObject(data, &top); err != nil {
		return nil, nil, &RulesetError{Problems: []*RuleError{{Msg: "not a JSON object: " + err.Error()}}}, true
	}
	p := &parser{rs: &Ruleset{}, in: interner{}, jobs: jobs}
	if jobs != nil {
		defer jobs.finish() // on a panic too: the workers end
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !knownSections[k] {
			p.warn("ignoring section %q: not used by rampart", k)
		}
	}
	if v, ok := top["version"]; ok {
		if err := json.Unmarshal(v, &p.rs.Version); err != nil {
			p.fail("", "version", "must be a string like \"2.2\"")
		} else if !strings.HasPrefix(p.rs.Version, "2.") && p.rs.Version != "2" {
			p.fail("", "version", fmt.Sprintf("unsupported format version %q (want 2.x)", p.rs.Version))
		}
	} else {
		p.fail("", "version", "missing")
	}
	if v, ok := top["metadata"]; ok {
		var md struct {
			RulesVersion string `json:"rules_version"`
		}
		if err := json.Unmarshal(v, &md); err == nil {
			p.rs.RulesVersion = md.RulesVersion
		}
	}
	p.actions(top["actions"])
	p.rs.Rules = p.rules("rules", top["rules"])
	p.rs.CustomRules = p.rules("custom_rules", top["custom_rules"])
	if len(p.rs.Rules)+len(p.rs.CustomRules) == 0 && len(p.errs) == 0 {
		p.fail("", "rules", "the ruleset has no rules")
	}
	p.data(top["rules_data"])
	p.exclusions(top["exclusions"])
	p.overrides(top["rules_override"])
	p.checkOnMatch()
	if jobs != nil && !p.resolveJobs() {
		return nil, nil, nil, false
	}
	if len(p.errs) > 0 {
		return nil, p.warnings, &RulesetError{Problems: p.errs}, true
	}
	return p.rs, p.warnings, nil, true
}

// resolveJobs waits for the operators compiled on other CPUs and sets
// them on their conditions; it reports false when one failed.
func (p *parser) resolveJobs() bool {
	if !p.jobs.finish() {
		return false
	}
	resolve := func(conds []Condition) {
		for i := range conds {
			c := &conds[i]
			if c.job == nil {
				continue
			}
			if !c.job.usesData {
				c.compiled = c.job.op
			}
			c.job = nil
		}
	}
	for _, rules := range [][]Rule{p.rs.Rules, p.rs.CustomRules} {
		for i := range rules {
			resolve(rules[i].Conditions)
		}
	}
	for i := range p.rs.Exclusions {
		resolve(p.rs.Exclusions[i].Conditions)
	}
	return true
}

// opJob is an operator compiled on another CPU while the ruleset parses.
type opJob struct {
	f        operator.Factory
	params   map[string]json.RawMessage
	usesData bool
	op       operator.Operator
	failed   bool
}

// opJobs compiles the costly operators of a ruleset (those of
// deferredOperators) on other CPUs (at most 7) while the parse goes on;
// the parsing goroutine compiles what is left when the parse ends.
type opJobs struct {
	ch     chan *opJob
	wg     sync.WaitGroup
	done   bool
	failed atomic.Bool
}

// deferredOperators are the operators that opJobs compiles: their
// factories cost (a regular expression's parse) and depend on their
// parameters alone.
var deferredOperators = map[string]bool{"match_regex": true}

func newOpJobs() *opJobs {
	j := &opJobs{ch: make(chan *opJob, 1024)}
	for range min(runtime.GOMAXPROCS(0)-1, 7) {
		j.wg.Add(1)
		go func() {
			defer j.wg.Done()
			j.work()
		}()
	}
	return j
}

// add queues the compilation of an operator.
func (j *opJobs) add(f operator.Factory, params map[string]json.RawMessage, usesData bool) *opJob {
	job := &opJob{f: f, params: params, usesData: usesData}
	j.ch <- job
	return job
}

// work compiles queued operators until the queue is closed and empty.
func (j *opJobs) work() {
	for job := range j.ch {
		j.run(job)
	}
}

// run compiles one operator; a failure (an error or a panic) marks the
// jobs failed.
func (j *opJobs) run(job *opJob) {
	defer func() {
		if r := recover(); r != nil {
			job.failed = true
			j.failed.Store(true)
		}
	}()
	op, err := job.f(operator.Params{Raw: job.params, Data: scratchData})
	if err != nil {
		job.failed = true
		j.failed.Store(true)
		return
	}
	// What New's prefilter will read of an expression known in advance
	// (decoded from a table: prepareOperators then finds it done), while
	// this CPU is here. Other expressions are analyzed by New, on all CPUs.
	if k, ok := op.(interface{ Known() bool }); ok && k.Known() {
		prepareOperator(op)
	}
	job.op = op
}

// finish closes the queue, compiles what is left beside the workers and
// waits for them; it reports whether every operator compiled. It may be
// called again.
func (j *opJobs) finish() bool {
	if !j.done {
		j.done = true
		close(j.ch)
		j.work()
		j.wg.Wait()
	}
	return !j.failed.Load()
}

type parser struct {
	rs       *Ruleset
	errs     []*RuleError
	warnings []string
	actionID map[string]bool
	// in interns the strings that repeat across rules.
	in interner
	// jobs, when set, compiles the costly operators on other CPUs.
	jobs *opJobs
}

func (p *parser) fail(id, path, msg string) {
	p.errs = append(p.errs, &RuleError{RuleID: id, Path: path, Msg: msg})
}

func (p *parser) warn(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

func (p *parser) actions(raw json.RawMessage) {
	p.actionID = map[string]bool{}
	for id := range builtinActions {
		p.actionID[id] = true
	}
	if raw == nil {
		return
	}
	var list []ActionSpec
	if err := strictUnmarshal(raw, &list); err != nil {
		p.fail("", "actions", err.Error())
		return
	}
	seen := map[string]bool{}
	for i, a := range list {
		path := fmt.Sprintf("actions[%d]", i)
		if a.ID == "" {
			p.fail("", path+".id", "missing")
			continue
		}
		if seen[a.ID] {
			p.fail(a.ID, path+".id", "duplicate action id")
			continue
		}
		seen[a.ID] = true
		if !actionTypes[a.Type] {
			p.fail(a.ID, path+".type", fmt.Sprintf("unknown action type %q (want block_request, redirect_request or generate_stack)", a.Type))
			continue
		}
		switch a.Type {
		case "block_request":
			if sc, ok := a.Parameters["status_code"]; ok {
				if n, ok := number(sc); !ok || n < 100 || n > 599 {
					p.fail(a.ID, path+".parameters.status_code", "must be an HTTP status between 100 and 599")
				}
			}
			if gc, ok := a.Parameters["grpc_status_code"]; ok {
				if n, ok := number(gc); !ok || n < 1 || n > 16 || n != float64(int(n)) {
					p.fail(a.ID, path+".parameters.grpc_status_code", "must be a gRPC status code between 1 and 16")
				}
			}
			if t, ok := a.Parameters["type"]; ok {
				if s, _ := t.(string); s != "json" && s != "html" && s != "auto" {
					p.fail(a.ID, path+".parameters.type", "must be json, html or auto")
				}
			}
		case "redirect_request":
			loc, _ := a.Parameters["location"].(string)
			if loc == "" {
				p.fail(a.ID, path+".parameters.location", "missing redirect location")
			}
			if sc, ok := a.Parameters["status_code"]; ok {
				if n, ok := number(sc); !ok || n < 300 || n > 399 {
					p.fail(a.ID, path+".parameters.status_code", "must be a 3xx status")
				}
			}
		}
		p.actionID[a.ID] = true
		p.rs.Actions = append(p.rs.Actions, a)
	}
}

// number accepts JSON numbers and numeric strings ("403").
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func (p *parser) rules(section string, raw json.RawMessage) []Rule {
	if raw == nil {
		return nil
	}
	var list []json.RawMessage
	if err := decodeArray(raw, &list); err != nil {
		p.fail("", section, "must be a list of rules")
		return nil
	}
	ids := map[string]bool{}
	for _, r := range p.rs.Rules {
		ids[r.ID] = true
	}
	out := make([]Rule, 0, len(list))
	for i, item := range list {
		path := func() string { return fmt.Sprintf("%s[%d]", section, i) }
		r, ok := p.rule(path, item)
		if r.ID != "" {
			if ids[r.ID] {
				p.fail(r.ID, path()+".id", "duplicate rule id")
				continue
			}
			ids[r.ID] = true
		}
		if !ok {
			continue
		}
		if skip, why := versionSkip(r.MinVersion, r.MaxVersion); skip {
			p.warn("rule %s skipped: %s", r.ID, why)
			continue
		}
		out = append(out, r)
	}
	return out
}

// rule parses one rule; path (such as "rules[3]") is computed only for
// the problems that name it.
func (p *parser) rule(path func() string, raw json.RawMessage) (Rule, bool) {
	var buf [16]member
	fields, ok := jsonMembers(raw, buf[:0])
	if !ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			p.fail("", path(), "a rule must be a JSON object")
			return Rule{}, false
		}
		fields = mapMembers(m)
	}
	var r Rule
	n := len(p.errs)
	getString := func(key string, dst *string, required bool) {
		v, ok := getMember(fields, key)
		if !ok {
			if required {
				p.fail(r.ID, key, "missing")
			}
			return
		}
		if err := decodeString(v, dst); err != nil {
			p.fail(r.ID, key, "must be a string")
		}
	}
	getString("id", &r.ID, true)
	if r.ID == "" && len(p.errs) == n {
		p.fail("", path()+".id", "empty rule id")
	}
	id := r.ID
	if id == "" {
		id = path()
	}
	for _, e := range p.errs[n:] {
		e.RuleID = id
	}
	getString("name", &r.Name, true)
	getString("min_version", &r.MinVersion, false)
	getString("max_version", &r.MaxVersion, false)
	if v, ok := getMember(fields, "tags"); ok {
		var tbuf [8]member
		if raw, ok := jsonMembers(v, tbuf[:0]); ok {
			r.Tags = make(map[string]string, len(raw))
			for _, m := range raw {
				k := p.in.bytes(m.Key)
				if s, ok := p.in.str(m.Value); ok {
					r.Tags[k] = s
					continue
				}
				var x any
				json.Unmarshal(m.Value, &x) // valid JSON: no error
				r.Tags[k] = fmt.Sprint(x)
			}
		} else {
			r.Tags = map[string]string{}
			var tags map[string]any
			if err := json.Unmarshal(v, &tags); err != nil {
				p.fail(id, "tags", "must be an object of strings")
			}
			for k, tv := range tags {
				r.Tags[k] = fmt.Sprint(tv)
			}
		}
	}
	if r.Tags["type"] == "" {
		p.fail(id, "tags.type", "missing (every rule needs a type)")
	}
	if v, ok := getMember(fields, "enabled"); ok {
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			p.fail(id, "enabled", "must be true or false")
		}
		r.Enabled = &b
	}
	if v, ok := getMember(fields, "on_match"); ok {
		if err := p.in.decodeStrings(v, &r.OnMatch); err != nil {
			p.fail(id, "on_match", "must be a list of action ids")
		}
		for i, a := range r.OnMatch {
			if !p.actionID[a] {
				p.fail(id, fmt.Sprintf("on_match[%d]", i), fmt.Sprintf("unknown action %q", a))
			}
		}
	}
	if v, ok := getMember(fields, "transformers"); ok {
		if err := p.in.decodeStrings(v, &r.Transformers); err != nil {
			p.fail(id, "transformers", "must be a list of transformer names")
		}
		p.checkTransformers(id, func() string { return "transformers" }, r.Transformers)
	}
	conds, ok := getMember(fields, "conditions")
	if !ok {
		p.fail(id, "conditions", "missing")
	} else {
		r.Conditions = p.conditions(id, "conditions", conds)
		if len(r.Conditions) == 0 && len(p.errs) == n {
			p.fail(id, "conditions", "a rule needs at least one condition")
		}
	}
	return r, len(p.errs) == n
}

// checkTransformers checks the names of a transformers list; path is
// computed only for the problems that name it.
func (p *parser) checkTransformers(id string, path func() string, names []string) {
	for i, t := range names {
		if t == "keys_only" || t == "values_only" {
			continue
		}
		if _, _, ok := transform.Lookup(t); !ok {
			p.fail(id, fmt.Sprintf("%s[%d]", path(), i), fmt.Sprintf("unknown transformer %q", t))
		}
	}
}

func (p *parser) conditions(id, path string, raw json.RawMessage) []Condition {
	var list []rawCondition
	if !fastConditions(p.in, raw, &list) {
		if err := json.Unmarshal(raw, &list); err != nil {
			p.fail(id, path, "must be a list of {operator, parameters}")
			return nil
		}
	}
	out := make([]Condition, 0, len(list))
	for i, c := range list {
		cpath := func() string { return fmt.Sprintf("%s[%d]", path, i) }
		params, rawIn, hasIn := c.params, c.inputs, c.hasInputs
		if !c.split && c.Parameters != nil {
			params = make(map[string]json.RawMessage, len(c.Parameters))
			for k, v := range c.Parameters {
				if k == "inputs" {
					continue
				}
				params[k] = v
			}
			rawIn, hasIn = c.Parameters["inputs"]
		}
		name := strings.TrimPrefix(c.Operator, "!")
		if c.Operator == "" {
			p.fail(id, cpath()+".operator", "missing")
			continue
		}
		base := name
		if at := strings.IndexByte(base, '@'); at >= 0 {
			base = base[:at]
		}
		_, known := operator.Lookup(name)
		if !known && !detectorOperators[base] {
			p.fail(id, cpath()+".operator", fmt.Sprintf("unknown operator %q", c.Operator))
			continue
		}
		if params == nil {
			p.fail(id, cpath()+".parameters", "missing")
			continue
		}
		cond := Condition{Operator: c.Operator, Params: params}
		if detectorOperators[base] {
			// Detector inputs are named groups (resource, params, db_type, ...).
			if _, ok := params["resource"]; !ok {
				p.fail(id, cpath()+".parameters.resource", "missing sink resource input")
			}
			out = append(out, cond)
			continue
		}
		inPath := func() string { return cpath() + ".parameters.inputs" }
		if !hasIn {
			p.fail(id, inPath(), "missing")
			continue
		}
		cond.Inputs = p.inputs(id, inPath, rawIn)
		if len(cond.Inputs) == 0 {
			p.fail(id, inPath(), "needs at least one input")
			continue
		}
		// Compile once here so that every parameter problem is reported
		// with the rule, not later at New.
		if f, ok := operator.Lookup(name); ok {
			_, usesData := cond.Params["data"]
			if p.jobs != nil && deferredOperators[name] {
				cond.job = p.jobs.add(f, cond.Params, usesData)
				out = append(out, cond)
				continue
			}
			op, err := f(operator.Params{Raw: cond.Params, Data: scratchData})
			if err != nil {
				p.fail(id, cpath()+".parameters", err.Error())
				continue
			}
			// Operators over rules_data are compiled again by New, against
			// the engine's own lists; the others are reused.
			if !usesData {
				cond.compiled = op
			}
		}
		out = append(out, cond)
	}
	return out
}

// scratchData lets the parser compile data-backed operators for validation.
func scratchData(id, kind string) *operator.Data {
	d, err := operator.NewData(id, kind)
	if err != nil {
		d, _ = operator.NewData(id, "data_with_expiration")
	}
	return d
}

// inputs parses a list of inputs; path is computed only for the problems
// that name it.
func (p *parser) inputs(id string, path func() string, raw json.RawMessage) []Input {
	var ebuf [16]json.RawMessage
	elems, fast := jsonElems(raw, ebuf[:0])
	for _, e := range elems {
		// Valid JSON that opens with '{' is an object.
		if len(e) == 0 || e[0] != '{' {
			fast = false
			break
		}
	}
	var list []map[string]json.RawMessage
	if !fast {
		if err := json.Unmarshal(raw, &list); err != nil {
			p.fail(id, path(), "must be a list of {address, key_path}")
			return nil
		}
		if len(list) == 0 {
			return nil
		}
		elems = nil
	}
	out := make([]Input, 0, len(elems)+len(list))
	var mbuf [8]member
	for i := range len(elems) + len(list) {
		ipath := func() string { return path() + "[" + strconv.Itoa(i) + "]" }
		var m []member
		if fast {
			var ok bool
			if m, ok = jsonMembers(elems[i], mbuf[:0]); !ok {
				// Only on a document that is not valid JSON, whose
				// result is dropped.
				p.fail(id, path(), "must be a list of {address, key_path}")
				return nil
			}
		} else {
			m = mapMembers(list[i])
		}
		var in Input
		if v, ok := getMember(m, "address"); !ok || p.in.decodeString(v, &in.Address) != nil || in.Address == "" {
			p.fail(id, ipath()+".address", "missing or not a string")
			continue
		}
		if v, ok := getMember(m, "key_path"); ok {
			if ss, ok := p.in.strs(v); ok {
				// Strings alone (or null), as the general case below
				// gives them.
				if len(ss) > 0 {
					in.KeyPath = ss
				}
			} else if kp, ok := keyPathAny(v); !ok {
				p.fail(id, ipath()+".key_path", "must be a list of strings or indexes")
				continue
			} else {
				for _, k := range kp {
					switch x := k.(type) {
					case string:
						in.KeyPath = append(in.KeyPath, x)
					case float64:
						// An index; negative ones count from the end.
						if x != float64(int64(x)) {
							p.fail(id, ipath()+".key_path", "elements must be strings or integer indexes")
							continue
						}
						in.KeyPath = append(in.KeyPath, strconv.FormatInt(int64(x), 10))
					default:
						p.fail(id, ipath()+".key_path", "elements must be strings or indexes")
					}
				}
			}
		}
		if v, ok := getMember(m, "transformers"); ok {
			in.hasTransformers = true
			if err := p.in.decodeStrings(v, &in.Transformers); err != nil {
				p.fail(id, ipath()+".transformers", "must be a list of transformer names")
			}
			p.checkTransformers(id, func() string { return ipath() + ".transformers" }, in.Transformers)
		}
		out = append(out, in)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (p *parser) data(raw json.RawMessage) {
	if raw == nil {
		return
	}
	if err := strictUnmarshal(raw, &p.rs.Data); err != nil {
		p.fail("", "rules_data", err.Error())
		return
	}
	seen := map[string]bool{}
	for i, d := range p.rs.Data {
		path := fmt.Sprintf("rules_data[%d]", i)
		if d.ID == "" {
			p.fail("", path+".id", "missing")
			continue
		}
		if seen[d.ID] {
			p.fail(d.ID, path+".id", "duplicate rules_data id")
		}
		seen[d.ID] = true
		dd, err := operator.NewData(d.ID, d.Type)
		if err != nil {
			p.fail(d.ID, path+".type", err.Error())
			continue
		}
		if err := dd.Update(d.Data); err != nil {
			p.fail(d.ID, path+".data", err.Error())
		}
	}
}

func (p *parser) targets(id, path string, ts []Target) {
	if len(ts) == 0 {
		p.fail(id, path, "needs at least one target (rule_id or tags)")
	}
	for i, t := range ts {
		if t.RuleID == "" && len(t.Tags) == 0 {
			p.fail(id, fmt.Sprintf("%s[%d]", path, i), "a target needs rule_id or tags")
		}
	}
}

func (p *parser) exclusions(raw json.RawMessage) {
	if raw == nil {
		return
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		p.fail("", "exclusions", "must be a list")
		return
	}
	for i, item := range list {
		path := fmt.Sprintf("exclusions[%d]", i)
		var e struct {
			ID          string          `json:"id"`
			RulesTarget []Target        `json:"rules_target"`
			Inputs      json.RawMessage `json:"inputs"`
			Conditions  json.RawMessage `json:"conditions"`
			OnMatch     string          `json:"on_match"`
		}
		if err := json.Unmarshal(item, &e); err != nil {
			p.fail("", path, err.Error())
			continue
		}
		if e.ID == "" {
			p.fail("", path+".id", "missing")
		}
		ex := Exclusion{ID: e.ID, RulesTarget: e.RulesTarget, OnMatch: e.OnMatch}
		if len(e.RulesTarget) > 0 {
			p.targets(e.ID, path+".rules_target", e.RulesTarget)
		}
		if e.Inputs != nil {
			ex.Inputs = p.inputs(e.ID, func() string { return path + ".inputs" }, e.Inputs)
		}
		if e.Conditions != nil {
			ex.Conditions = p.conditions(e.ID, path+".conditions", e.Conditions)
		}
		if e.OnMatch != "" && e.OnMatch != "monitor" && e.OnMatch != "bypass" {
			p.fail(e.ID, path+".on_match", "must be monitor or bypass")
		}
		p.rs.Exclusions = append(p.rs.Exclusions, ex)
	}
}

func (p *parser) overrides(raw json.RawMessage) {
	if raw == nil {
		return
	}
	if err := json.Unmarshal(raw, &p.rs.Overrides); err != nil {
		p.fail("", "rules_override", "must be a list of {rules_target, enabled, on_match}")
		return
	}
	for i, o := range p.rs.Overrides {
		p.targets(o.ID, fmt.Sprintf("rules_override[%d].rules_target", i), o.RulesTarget)
	}
}

func (p *parser) checkOnMatch() {
	check := func(id, path string, acts []string) {
		for i, a := range acts {
			if !p.actionID[a] {
				p.fail(id, fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("unknown action %q", a))
			}
		}
	}
	for i, o := range p.rs.Overrides {
		check(o.ID, fmt.Sprintf("rules_override[%d].on_match", i), o.OnMatch)
	}
}

func strictUnmarshal(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	return d.Decode(v)
}

// versionSkip reports whether a rule's version range excludes this engine.
func versionSkip(min, max string) (bool, string) {
	if min != "" && compareVersion(min, CompatVersion) > 0 {
		return true, fmt.Sprintf("needs engine version >= %s", min)
	}
	if max != "" && compareVersion(max, CompatVersion) < 0 {
		return true, fmt.Sprintf("only for engine versions <= %s", max)
	}
	return false, ""
}

func compareVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// keyPathAny decodes a key_path that is not a list of strings alone.
func keyPathAny(raw json.RawMessage) ([]any, bool) {
	var kp []any
	if err := json.Unmarshal(raw, &kp); err != nil {
		return nil, false
	}
	return kp, true
}
