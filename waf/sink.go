package waf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/redact"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// sinkAddrs are the addresses only known at a sink.
var sinkAddrs = map[string]bool{
	AddrDBStatement: true, AddrDBSystem: true, AddrNetURL: true, AddrFSFile: true,
	AddrShellCmd: true, AddrExecCmd: true, AddrNetResolvedIP: true,
}

// AddrNetResolvedIP is the address an outgoing URL's host resolved to,
// set with server.io.net.url at dial time (a rampart extension of the
// format): the ssrf_detector then checks the resolved address, against DNS
// rebinding.
const AddrNetResolvedIP = "server.io.net.resolved_ip"

// IsSinkAddress reports whether name is an address set at a sink.
func IsSinkAddress(name string) bool { return sinkAddrs[name] }

// Exploit is what an exploit-prevention rule found at a sink.
type Exploit struct {
	// Detector is the detector's short name: sqli, ssrf, shi, cmdi, lfi.
	Detector string
	// Sink is sql, http, shell, exec or file.
	Sink string
	// Resource is the statement, URL, command or path (redacted, cut at
	// MaxStringLength bytes); for exec sinks the argv joined by spaces.
	Resource string
	// System is the database system of SQL sinks.
	System string
	// Input is the request input that changed the resource (redacted when
	// it sits under a sensitive key), with the address and key path it
	// came from.
	Input        string
	InputAddress string
	InputKeyPath []string
	// Start and End are the byte offsets of Input's first occurrence in
	// Resource (both 0 when it cannot be shown).
	Start, End int
	// Reason says how the input changed the resource.
	Reason string
}

// sinkRule is a compiled exploit-prevention rule.
type sinkRule struct {
	r     *rule
	conds []*sinkCond
}

// sinkInput is one address (and key path) a sink condition reads.
type sinkInput struct {
	name    string
	id      int // address id in the engine, -1 for sink addresses
	keyPath []string
	funcs   []transform.Func
}

// sinkCond is a condition of a sink rule: a detector, or a plain operator
// over sink (or request) addresses.
type sinkCond struct {
	opName string
	// detector conditions
	det      operator.Detector
	info     operator.DetectorInfo
	resource []sinkInput
	dbType   []sinkInput
	params   int // index of the params set in Engine.paramSets
	// operator conditions
	op     operator.Operator
	negate bool
	inputs []sinkInput
}

// paramSet is a distinct list of params inputs; their strings are collected
// once per request and shared by the detectors that name the same list.
type paramSet struct {
	key    string
	inputs []sinkInput
}

// compileSinkRule compiles rr, a rule with detector conditions or only
// sink inputs, into e.sinks.
func (e *Engine) compileSinkRule(r *rule, rr Rule, errs *[]*RuleError) {
	sr := &sinkRule{r: r}
	for ci, c := range rr.Conditions {
		path := fmt.Sprintf("conditions[%d]", ci)
		name := strings.TrimPrefix(c.Operator, "!")
		sc := &sinkCond{opName: c.Operator, negate: name != c.Operator}
		if info, ok := operator.LookupDetector(name); ok {
			if sc.negate {
				*errs = append(*errs, &RuleError{RuleID: rr.ID, Path: path + ".operator", Msg: "a detector cannot be negated"})
				continue
			}
			det, err := info.Factory(operator.Params{Raw: c.Params, Data: e.dataFor})
			if err != nil {
				*errs = append(*errs, &RuleError{RuleID: rr.ID, Path: path + ".parameters", Msg: err.Error()})
				continue
			}
			sc.det, sc.info = det, info
			var bad bool
			sc.resource, bad = e.sinkInputs(rr.ID, path+".parameters.resource", c.Params["resource"], true, errs)
			if bad {
				continue
			}
			var params []sinkInput
			params, bad = e.sinkInputs(rr.ID, path+".parameters.params", c.Params["params"], false, errs)
			if bad {
				continue
			}
			if raw, ok := c.Params["db_type"]; ok {
				sc.dbType, _ = e.sinkInputs(rr.ID, path+".parameters.db_type", raw, false, errs)
			}
			sc.params = e.paramSetFor(params)
			sr.conds = append(sr.conds, sc)
			continue
		}
		f, ok := operator.Lookup(name)
		if !ok {
			*errs = append(*errs, &RuleError{RuleID: rr.ID, Path: path + ".operator", Msg: fmt.Sprintf("unknown operator %q", c.Operator)})
			continue
		}
		op, err := c.compiled, error(nil)
		if op == nil {
			op, err = f(operator.Params{Raw: c.Params, Data: e.dataFor})
		}
		if err != nil {
			*errs = append(*errs, &RuleError{RuleID: rr.ID, Path: path + ".parameters", Msg: err.Error()})
			continue
		}
		sc.op = op
		for _, in := range c.Inputs {
			names := rr.Transformers
			if in.hasTransformers {
				names = in.Transformers
			}
			si := sinkInput{name: in.Address, id: -1, keyPath: in.KeyPath}
			if !IsSinkAddress(in.Address) {
				si.id = e.addrID(in.Address)
			}
			for _, t := range names {
				if t == "keys_only" || t == "values_only" {
					continue
				}
				if fn, _, ok := transform.Lookup(t); ok {
					si.funcs = append(si.funcs, fn)
				}
			}
			sc.inputs = append(sc.inputs, si)
		}
		sr.conds = append(sr.conds, sc)
	}
	e.setActions(r)
	e.sinks = append(e.sinks, sr)
}

// sinkInputs decodes a detector's input list ([{"address", "key_path"}]).
func (e *Engine) sinkInputs(ruleID, path string, raw json.RawMessage, required bool, errs *[]*RuleError) ([]sinkInput, bool) {
	if raw == nil {
		if required {
			*errs = append(*errs, &RuleError{RuleID: ruleID, Path: path, Msg: "missing"})
			return nil, true
		}
		return nil, false
	}
	var list []struct {
		Address string `json:"address"`
		KeyPath []any  `json:"key_path"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		*errs = append(*errs, &RuleError{RuleID: ruleID, Path: path, Msg: "want a list of {address, key_path}: " + err.Error()})
		return nil, true
	}
	out := make([]sinkInput, 0, len(list))
	for i, in := range list {
		if in.Address == "" {
			*errs = append(*errs, &RuleError{RuleID: ruleID, Path: fmt.Sprintf("%s[%d].address", path, i), Msg: "missing"})
			return nil, true
		}
		// Keys are strings; list indexes are integers (negative ones
		// count from the end), as in request rules.
		var kp []string
		for _, k := range in.KeyPath {
			switch x := k.(type) {
			case string:
				kp = append(kp, x)
			case float64:
				if x != float64(int64(x)) {
					*errs = append(*errs, &RuleError{RuleID: ruleID, Path: fmt.Sprintf("%s[%d].key_path", path, i), Msg: "elements must be strings or integer indexes"})
					return nil, true
				}
				kp = append(kp, strconv.FormatInt(int64(x), 10))
			default:
				*errs = append(*errs, &RuleError{RuleID: ruleID, Path: fmt.Sprintf("%s[%d].key_path", path, i), Msg: "elements must be strings or integer indexes"})
				return nil, true
			}
		}
		si := sinkInput{name: in.Address, id: -1, keyPath: kp}
		if !IsSinkAddress(in.Address) {
			si.id = e.addrID(in.Address)
		}
		out = append(out, si)
	}
	if required && len(out) == 0 {
		*errs = append(*errs, &RuleError{RuleID: ruleID, Path: path, Msg: "needs at least one input"})
		return nil, true
	}
	return out, false
}

func (e *Engine) paramSetFor(in []sinkInput) int {
	var b strings.Builder
	for _, s := range in {
		b.WriteString(s.name)
		b.WriteByte(0)
		b.WriteString(strings.Join(s.keyPath, "\x01"))
		b.WriteByte(0)
	}
	key := b.String()
	for i, p := range e.paramSets {
		if p.key == key {
			return i
		}
	}
	e.paramSets = append(e.paramSets, paramSet{key: key, inputs: in})
	return len(e.paramSets) - 1
}

// isSinkOnly reports whether every input of every condition of r is a sink
// address: such a rule can only match at a sink.
func isSinkOnly(r Rule) bool {
	if len(r.Conditions) == 0 {
		return false
	}
	for _, c := range r.Conditions {
		if len(c.Inputs) == 0 {
			return false
		}
		for _, in := range c.Inputs {
			if !IsSinkAddress(in.Address) {
				return false
			}
		}
	}
	return true
}

// SinkRuleCount returns the number of exploit-prevention rules.
func (e *Engine) SinkRuleCount() int { return len(e.sinks) }

// sinkState is a Context's exploit-prevention state.
type sinkState struct {
	// gen counts the request's Run calls that stored addresses; a params
	// set's strings are valid while their gen matches.
	gen  uint32
	sets []sinkSet
	// cur is the sink handed to detectors, kept here so that it does not
	// escape per call.
	cur operator.Sink
	// src, when set, gives the whole inputs (SetInputSource); srcGen is
	// its generation when the sets were collected.
	src InputSource
	// cands are the inputs of one check that occur in its resource; idx
	// indexes the resource's bytes for that filter.
	cands []string
	idx   resourceIndex
}

type sinkSet struct {
	gen    uint32
	srcGen uint32
	strs   []string
	// keyed is set once strs are deduplicated and keys_ holds their
	// filter keys (sink_inputs.go), for checks with many inputs.
	keyed bool
	keys_ []inputKey
}

// InputSource gives exploit prevention a request's inputs as the
// application received them, without the limits that bound a WAF pass
// (httpinput.SinkInputs is the one rampart uses). The detectors' params
// inputs are read from it; addresses it does not hold are read from the
// values the request ran.
type InputSource interface {
	// Strings calls f with every string of address name at or below
	// keyPath (keys included) and reports whether it holds name.
	Strings(name string, keyPath []string, f func(string)) bool
	// Locate returns the key path of the first string of name (at or
	// below keyPath) equal to s.
	Locate(name string, keyPath []string, s string) ([]string, bool)
	// Gen changes when the strings change.
	Gen() uint32
}

// SetInputSource sets where the detectors read the request's inputs from
// for the rest of the request (nil: the values the request ran, walked
// whole: no string is cut and no container limit applies).
func (c *Context) SetInputSource(src InputSource) {
	c.sink.src = src
	c.sink.gen++
}

func (s *sinkState) reset() {
	s.gen++
	s.src = nil
	clear(s.cands)
	s.cands = s.cands[:0]
	for i := range s.sets {
		clear(s.sets[i].strs) // no reference to the request's memory stays pooled
		s.sets[i].strs = s.sets[i].strs[:0]
	}
}

// RunSink evaluates the exploit-prevention rules for one call at a sink.
// addrs are the sink's addresses (server.db.statement and server.db.system,
// server.io.net.url, server.sys.shell.cmd, server.sys.exec.cmd as a list of
// strings, server.io.fs.file); they are ephemeral: only this call sees
// them. The request's addresses from earlier Run calls are the inputs the
// detectors compare with the resource. Result.Block is the action of this
// call's first blocking match, which also blocks the request
// (Context.Blocked) unless it already was.
func (c *Context) RunSink(addrs []Address) Result {
	var res Result
	if len(c.e.sinks) == 0 {
		return res
	}
	for _, sr := range c.e.sinks {
		if c.sinkExcluded(sr.r) {
			continue
		}
		c.runSinkRule(sr, addrs, &res)
	}
	return res
}

func (c *Context) sinkExcluded(r *rule) bool {
	for _, x := range r.excludedBy {
		if x.bypass && (x.pseudo == nil || c.exclDone[x.pseudo.idx]) {
			return true
		}
	}
	return false
}

func (c *Context) sinkMonitored(r *rule) bool {
	for _, x := range r.excludedBy {
		if x.monitor && (x.pseudo == nil || c.exclDone[x.pseudo.idx]) {
			return true
		}
	}
	return false
}

// sinkValue returns the value of in: from the sink's addresses first, then
// from the request's, following its key path.
func (c *Context) sinkValue(in *sinkInput, addrs []Address) (Value, bool) {
	var v Value
	found := false
	for _, a := range addrs {
		if a.Name == in.name {
			v, found = a.Value, true
			break
		}
	}
	if !found && in.id >= 0 && in.id < len(c.present) && c.present[in.id] {
		v, found = c.values[in.id], true
	}
	if !found {
		return v, false
	}
	for _, k := range in.keyPath {
		next, ok := child(v, k)
		if !ok {
			return v, false
		}
		v = next
	}
	return v, true
}

// child returns the field k of a map, or element k of a list, counted
// from the end when k is negative (-1 is the last element), as libddwaf's
// key paths do.
func child(v Value, k string) (Value, bool) {
	switch v.Kind() {
	case KindMap:
		return v.Get(k)
	case KindList:
		i, ok := listIndex(k, v.Len())
		if !ok {
			return Value{}, false
		}
		return v.Index(i).Value, true
	}
	return Value{}, false
}

func (c *Context) runSinkRule(sr *sinkRule, addrs []Address, res *Result) {
	var m Match
	var ex *Exploit
	for _, sc := range sr.conds {
		if sc.det != nil {
			e, ok := c.detect(sc, addrs)
			if !ok {
				return
			}
			ex = e
			continue
		}
		addr, val, hl, ok := c.sinkOperator(sc, addrs)
		if !ok {
			return
		}
		if m.Address == "" {
			m.Address, m.Value, m.highlight = addr, val, hl
		}
	}
	r := sr.r
	m.RuleID, m.RuleName, m.Type, m.Category, m.Tags = r.id, r.name, r.typ, r.category, r.tags
	m.Actions, m.StackTrace = r.onMatch, r.stack
	if ex != nil {
		m.Exploit = ex
		m.Operator = ex.Detector
		m.Address = sinkAddress(ex.Sink)
		m.Value = redact.Truncate(ex.Resource, maxValueInReport)
		m.highlight = redact.Truncate(ex.Input, maxValueInReport)
	}
	if r.block && !c.sinkMonitored(r) {
		m.Blocking = true
		m.Block = c.e.blockAction(r)
		if res.Block == nil {
			res.Block = m.Block
		}
		if c.block == nil {
			c.block = res.Block
		}
	}
	if r.stack {
		res.StackTrace = true
	}
	res.Matches = append(res.Matches, m)
}

func sinkAddress(sink string) string {
	switch sink {
	case "sql":
		return AddrDBStatement
	case "http":
		return AddrNetURL
	case "shell":
		return AddrShellCmd
	case "exec":
		return AddrExecCmd
	case "file":
		return AddrFSFile
	}
	return ""
}

// sinkOperator evaluates a plain operator condition of a sink rule on the
// scalar values of its inputs.
func (c *Context) sinkOperator(sc *sinkCond, addrs []Address) (addr, value, highlight string, ok bool) {
	for i := range sc.inputs {
		in := &sc.inputs[i]
		v, found := c.sinkValue(in, addrs)
		if !found {
			continue
		}
		var hit bool
		walkStrings(v, 0, func(s string) bool {
			b := []byte(s)
			for _, fn := range in.funcs {
				b = fn(nil, b)
			}
			h, m := sc.op.Eval(operator.Value{Kind: operator.String, Bytes: b})
			if m != sc.negate {
				addr, value, highlight, hit = in.name, redact.Truncate(redact.Value(s), maxValueInReport), h, true
				return false
			}
			return true
		})
		if hit {
			return addr, value, highlight, true
		}
	}
	return "", "", "", false
}

// detect runs a detector condition: the resource against the request's
// inputs.
func (c *Context) detect(sc *sinkCond, addrs []Address) (*Exploit, bool) {
	sink := &c.sink.cur
	*sink = operator.Sink{Argv: sink.Argv[:0]}
	found := false
	for i := range sc.resource {
		v, ok := c.sinkValue(&sc.resource[i], addrs)
		if !ok {
			continue
		}
		switch v.Kind() {
		case KindString, KindNumber:
			sink.Resource = v.Str()
			if sc.info.Sink == "exec" {
				sink.Argv = strings.Fields(v.Str())
			}
		case KindList:
			n := min(v.Len(), MaxElements)
			for j := range n {
				sink.Argv = append(sink.Argv, v.Index(j).Value.Str())
			}
			sink.Resource = strings.Join(sink.Argv, " ")
		default:
			continue
		}
		found = true
		break
	}
	if !found {
		return nil, false
	}
	for _, a := range addrs {
		if a.Name == AddrNetResolvedIP {
			sink.Resolved = a.Value.Str()
		}
	}
	for i := range sc.dbType {
		if v, ok := c.sinkValue(&sc.dbType[i], addrs); ok && v.Kind() == KindString {
			sink.System = v.Str()
			break
		}
	}
	c.paramStrings(sc.params)
	inputs := c.sink.candidates(sink.Resource, &c.sink.sets[sc.params])
	if len(inputs) == 0 {
		return nil, false
	}
	f, ok := sc.det.Detect(sink, inputs)
	if !ok {
		return nil, false
	}
	ex := &Exploit{
		Detector: sc.info.Short, Sink: sc.info.Sink, System: sink.System,
		Input: f.Input, Reason: f.Reason,
	}
	ex.InputAddress, ex.InputKeyPath = c.locateInput(c.e.paramSets[sc.params].inputs, f.Input)
	resource := sink.Resource
	if len(resource) > MaxStringLength {
		resource = resource[:MaxStringLength]
	}
	if redact.Address(ex.InputAddress) || redact.Path(ex.InputKeyPath) {
		resource = strings.ReplaceAll(resource, f.Input, redact.Placeholder)
		ex.Input = redact.Placeholder
	}
	ex.Resource = redact.Value(resource)
	if ex.Input != "" {
		if i := strings.Index(ex.Resource, ex.Input); i >= 0 {
			ex.Start, ex.End = i, i+len(ex.Input)
		}
	}
	return ex, true
}

// paramStrings returns the strings of a params set, collected once per
// request (until the request runs more addresses).
func (c *Context) paramStrings(set int) []string {
	for len(c.sink.sets) < len(c.e.paramSets) {
		c.sink.sets = append(c.sink.sets, sinkSet{})
	}
	s := &c.sink.sets[set]
	var srcGen uint32
	if c.sink.src != nil {
		srcGen = c.sink.src.Gen()
	}
	if s.gen == c.sink.gen && s.gen != 0 && s.srcGen == srcGen {
		return s.strs
	}
	s.strs = s.strs[:0]
	s.keyed = false
	add := func(str string) {
		if str != "" {
			s.strs = append(s.strs, str)
		}
	}
	for i := range c.e.paramSets[set].inputs {
		in := &c.e.paramSets[set].inputs[i]
		if c.sink.src != nil && c.sink.src.Strings(in.name, in.keyPath, add) {
			continue
		}
		v, ok := c.sinkValue(in, nil)
		if !ok {
			continue
		}
		walkAll(v, add)
	}
	s.gen, s.srcGen = c.sink.gen, srcGen
	if s.gen == 0 {
		// gen 0 marks "never collected"; a fresh context starts at 1.
		c.sink.gen, s.gen = 1, 1
	}
	return s.strs
}

// walkStrings calls f with every string of v, within the walk limits,
// until f returns false. Map keys are not inputs: detectors compare values.
func walkStrings(v Value, depth int, f func(string) bool) bool {
	switch v.Kind() {
	case KindString:
		return f(v.Str())
	case KindMap, KindList:
		if depth >= MaxDepth {
			return true
		}
		n := min(v.Len(), MaxElements)
		for i := range n {
			if !walkStrings(v.Index(i).Value, depth+1, f) {
				return false
			}
		}
	}
	return true
}

// locateInput finds the address and key path of the first input string
// equal to s (reports only; it allocates).
func (c *Context) locateInput(ins []sinkInput, s string) (string, []string) {
	if src := c.sink.src; src != nil {
		for i := range ins {
			if p, ok := src.Locate(ins[i].name, ins[i].keyPath, s); ok {
				return ins[i].name, append(append([]string(nil), ins[i].keyPath...), p[min(len(p), len(ins[i].keyPath)):]...)
			}
			{
				// The input may have been found trimmed: look for it with
				// its blanks.
				var found []string
				ok := false
				src.Strings(ins[i].name, ins[i].keyPath, func(str string) {
					if !ok && strings.TrimSpace(str) == s {
						found, ok = []string{}, true
						if p, ok2 := src.Locate(ins[i].name, ins[i].keyPath, str); ok2 {
							found = p
						}
					}
				})
				if ok {
					return ins[i].name, found
				}
			}
		}
	}
	for i := range ins {
		v, ok := c.sinkValue(&ins[i], nil)
		if !ok {
			continue
		}
		var path []string
		if p, ok := findString(v, s, 0, nil); ok {
			path = append(append([]string(nil), ins[i].keyPath...), p...)
			return ins[i].name, path
		}
	}
	return "", nil
}

func findString(v Value, s string, depth int, path []string) ([]string, bool) {
	switch v.Kind() {
	case KindString:
		str := v.Str()
		return path, str == s || strings.TrimSpace(str) == s
	case KindMap, KindList:
		for i := range v.Len() {
			fld := v.Index(i)
			k := fld.Key
			if v.Kind() == KindList {
				k = strconv.Itoa(i)
			}
			if p, ok := findString(fld.Value, s, depth+1, append(path, k)); ok {
				return p, true
			}
		}
	}
	return nil, false
}
