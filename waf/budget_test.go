package waf

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/rules"
)

// slowBuild is a Lazy operator whose one build takes d.
type slowBuild struct {
	d     time.Duration
	built atomic.Bool
}

func (s *slowBuild) Pending() operator.BuildState {
	if s.built.Load() {
		return operator.Built
	}
	return operator.BuildNext
}
func (s *slowBuild) Build()    { s.BuildAll() }
func (s *slowBuild) BuildAll() { time.Sleep(s.d); s.built.Store(true) }

// spin runs on the CPU for d (wall time), checking the budget as the
// evaluation does (about every 20 µs: 32 evaluations of a busy request),
// and reports whether it ran out. With until set it stops as soon as the
// budget runs out, and keeps going (up to d) until it does.
func spin(c *Context, d time.Duration, until bool) bool {
	out := false
	for t0 := time.Now(); time.Since(t0) < d; {
		for t1 := time.Now(); time.Since(t1) < 20*time.Microsecond; {
		}
		if out = c.checkBudget() || out; out && until {
			return true
		}
	}
	return out
}

func budgetContext(t *testing.T, timeout time.Duration) *Context {
	t.Helper()
	rs, _, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewContext()
	t.Cleanup(c.Close)
	c.start = time.Now()
	return c
}

// A lazy operator's one-time build is not charged to the request that
// happens to need it first; the evaluation's own time is.
func TestBudgetExcusesBuilds(t *testing.T) {
	c := budgetContext(t, 2*time.Millisecond)
	var state atomic.Uint32
	l := &slowBuild{d: 10 * time.Millisecond}
	c.build(l, &state, false)
	if c.checkBudget() {
		t.Fatalf("a 10 ms build ran the 2 ms budget out (excused %v)", c.excused)
	}
	if state.Load() != builtAll {
		t.Errorf("build state %d after the build, want builtAll", state.Load())
	}
	c.build(l, &state, false) // built: nothing to time
	if !spin(c, time.Second, true) {
		t.Fatalf("evaluation did not run the 2 ms budget out (excused %v)", c.excused)
	}
}

// Time the evaluating thread spends not running (preempted, throttled)
// is not charged; its running time is.
func TestBudgetIgnoresWaiting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread's CPU time is read on Linux only")
	}
	// The goroutine keeps its thread, and a blocking system call stands
	// for the time the thread is descheduled.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := budgetContext(t, 2*time.Millisecond)
	// past a quarter of the budget: marked
	if spin(c, 600*time.Microsecond, false) || !c.marked {
		t.Fatalf("timed out %v, marked %v after 0.6 ms of a 2 ms budget", c.timedOut, c.marked)
	}
	ts := syscall.NsecToTimespec(int64(20 * time.Millisecond))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
	if c.checkBudget() {
		t.Fatalf("20 ms of waiting ran the budget out: the thread was not running")
	}
	if !spin(c, time.Second, true) {
		t.Fatalf("running did not run the 2 ms budget out")
	}
	// A run that waited after its last check is not charged the wait.
	c3 := budgetContext(t, 2*time.Millisecond)
	c3.checkBudget()
	ts = syscall.NsecToTimespec(int64(20 * time.Millisecond))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
	if d := c3.endCharge(time.Now()); d > 600*time.Microsecond {
		t.Errorf("a run that waited 20 ms after its last check is charged %v", d)
	}
	// Without the thread's clock (another goroutine's thread, other
	// systems) the wall clock decides.
	c2 := budgetContext(t, 2*time.Millisecond)
	if spin(c2, 600*time.Microsecond, false) || !c2.marked {
		t.Fatal("0.6 ms: not marked, or timed out")
	}
	c2.mark.tid = -1 // as if the goroutine had moved to another thread
	time.Sleep(5 * time.Millisecond)
	if !c2.checkBudget() {
		t.Fatalf("5.6 ms of wall time on an unknown thread did not run the budget out")
	}
}

// The rules that block run before those that only report: a timeout
// between the two passes costs the latter only, and NotRun names them.
func TestTimeoutCostsMonitoringRulesFirst(t *testing.T) {
	e := mustEngine(t, testRules)
	if !e.mixed {
		t.Fatal("the test ruleset has blocking and monitoring rules")
	}
	c := e.NewContext()
	defer c.Close()
	// r-pw (monitoring) and r-sqli (blocking) both read the body; the
	// budget runs out after the blocking pass.
	body := Map([]Field{{Key: "a", Value: String("x' or 'y")}, {Key: "b", Value: String("union select 1")}})
	c.values[e.addrs[AddrBody]], c.present[e.addrs[AddrBody]], c.fresh[e.addrs[AddrBody]] = body, true, true
	c.start = time.Now()
	c.refreshActive()
	c.walkFresh(passBlocking)
	if len(c.matches) != 1 || c.matches[0].RuleID != "r-sqli" {
		t.Fatalf("blocking pass matched %+v, want r-sqli", c.matches)
	}
	c.block = nil // as if r-sqli only reported, so that the next pass would run
	c.timedOut = true
	c.walkFresh(passOther)
	if len(c.matches) != 1 {
		t.Fatalf("rules ran after the timeout: %+v", c.matches)
	}
	got := c.NotRun()
	if !slices.Contains(got, "r-pw") || !slices.Contains(got, "r-two") || !slices.Contains(got, "r-keys") {
		t.Errorf("NotRun = %v, want the monitoring rules of the body (r-pw, r-two, r-keys)", got)
	}
	for _, id := range got {
		if id == "r-sqli" || id == "r-ip" || id == "r-user" || id == "r-ua" || id == "r-status" {
			t.Errorf("NotRun lists %s: it matched, or reads only rules_data, or reads no address that was cut", id)
		}
	}
}

// Blocking rules marked of low confidence (tags.confidence "0") run in the
// second pass, after the blocking rules of high confidence: a timeout costs
// them first.
func TestTimeoutCostsLowConfidenceRulesFirst(t *testing.T) {
	rules := `{"version":"2.2","rules":[
	 {"id":"hi","name":"high","tags":{"type":"sqli","category":"attack_attempt"},"conditions":[{"operator":"match_regex","parameters":{"inputs":[{"address":"server.request.query"}],"regex":"union"}}],"on_match":["block"]},
	 {"id":"lo","name":"low","tags":{"type":"policy","category":"attack_attempt","confidence":"0"},"conditions":[{"operator":"match_regex","parameters":{"inputs":[{"address":"server.request.query"}],"regex":"select"}}],"on_match":["block"]}]}`
	e := mustEngine(t, rules)
	if !e.mixed {
		t.Fatal("a low-confidence blocking rule does not make the ruleset mixed")
	}
	c := e.NewContext()
	defer c.Close()
	q := Map([]Field{{Key: "q", Value: String("union select")}})
	c.values[e.addrs[AddrQuery]], c.present[e.addrs[AddrQuery]], c.fresh[e.addrs[AddrQuery]] = q, true, true
	c.start = time.Now()
	c.refreshActive()
	c.walkFresh(passBlocking)
	if len(c.matches) != 1 || c.matches[0].RuleID != "hi" {
		t.Fatalf("first pass matched %+v, want only the high-confidence rule", c.matches)
	}
	c.block = nil
	c.timedOut = true
	c.walkFresh(passOther)
	if got := c.NotRun(); !slices.Equal(got, []string{"lo"}) {
		t.Errorf("NotRun = %v, want [lo]", got)
	}
}

// A request that runs out of budget says which rules did not run; the
// rules that matched before, and those over addresses evaluated in full,
// are not listed.
func TestNotRun(t *testing.T) {
	rs, _, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewContext()
	defer c.Close()
	res := c.Run([]Address{{Name: AddrQuery, Value: query("q", "union select")}})
	if len(res.Matches) != 1 || c.NotRun() != nil {
		t.Fatalf("first run: %+v, NotRun %v", res.Matches, c.NotRun())
	}
	c.block = nil
	c.spent = 2 * time.Hour // the budget is gone before the body
	res = c.Run([]Address{{Name: AddrBody, Value: Map([]Field{{Key: "a", Value: String("' or '")}})}})
	if !res.TimedOut || len(res.Matches) != 0 {
		t.Fatalf("after the budget: timed out %v, matches %+v", res.TimedOut, res.Matches)
	}
	got := c.NotRun()
	want := []string{"r-two", "r-keys", "r-pw"} // r-sqli matched; r-ua, r-status read no cut address
	if !slices.Equal(got, want) {
		t.Errorf("NotRun = %v, want %v", got, want)
	}
	// The block lists still run, and their block is not a timeout's cut.
	res = c.Run([]Address{{Name: AddrClientIP, Value: String("198.51.100.7")}})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-ip" {
		t.Errorf("after the timeout: %+v, want the block list", res.Matches)
	}
	if got := c.NotRun(); !slices.Equal(got, want) {
		t.Errorf("NotRun after the block list = %v, want %v", got, want)
	}
	c.Close()
	c = e.NewContext()
	if c.NotRun() != nil || c.TimedOut() {
		t.Errorf("a pooled context kept the timeout: %v", c.NotRun())
	}
}

// The warm-up builds the expressions the ordinary request reaches, and
// their automata, so that the same request in a fresh engine builds
// nothing; without it nothing is built before the first request. The
// goroutine keeps its thread, so that the budget of the last request
// counts its CPU time, not the time a loaded machine keeps it waiting.
func TestWarmUp(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rs, _, err := ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	cold, err := New(rs, Options{NoWarmUp: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range cold.byIdx {
		if tg.lazy != nil && tg.built.Load() != builtNone {
			t.Fatalf("target of %s built without a warm-up", tg.cond.rule.id)
		}
	}
	rs, _, _ = ParseRuleset(rules.Default())
	// A budget no warmed evaluation reaches, even under the race detector
	// on a loaded machine: what is checked is that nothing is built again.
	e, err := New(rs, Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.Warmed():
	case <-time.After(time.Minute):
		t.Fatal("the background warm-up did not end")
	}
	checkWarm(t, e)
	// Waiting in New: the engine is warm when New returns.
	rs, _, _ = ParseRuleset(rules.Default())
	w, err := New(rs, Options{Timeout: time.Minute, WaitWarmUp: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.Warmed():
	default:
		t.Fatal("Warmed is open after New with WaitWarmUp")
	}
	checkWarm(t, w)
	select {
	case <-cold.Warmed():
	default:
		t.Fatal("Warmed is open after New with NoWarmUp")
	}
}

// checkWarm checks that the warm-up built the targets the ordinary request
// reaches, automata included, and that the request builds nothing again.
func checkWarm(t *testing.T, e *Engine) {
	t.Helper()
	n := 0
	for _, tg := range e.byIdx {
		if tg.lazy != nil && tg.built.Load() != builtNone {
			n++
			if tg.built.Load() != builtAll {
				t.Errorf("target of %s reached by the warm-up has no automaton (state %d)", tg.cond.rule.id, tg.built.Load())
			}
		}
	}
	if n == 0 {
		t.Fatal("the warm-up built nothing")
	}
	// The ordinary request again: nothing left to build, nothing excused.
	c := e.NewContext()
	defer c.Close()
	c.Run(warmUpRequest())
	if c.excused != 0 {
		t.Errorf("the warm-up's request built again (%v) in a warmed engine", c.excused)
	}
	if c.TimedOut() {
		t.Error("the warm-up's request timed out in a warmed engine")
	}
}

// Fresh operators are built by whichever request reaches them first,
// concurrently with others and with a warm-up; every request sees the
// same verdicts as in a warmed engine. (Run with -race.)
func TestConcurrentFirstRequests(t *testing.T) {
	rs, _, err := ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{NoWarmUp: true, Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"<script>alert(1)</script>", "1' OR '1'='1", "../../etc/passwd", "; cat /etc/shadow",
		"hello there, how are you?", "${jndi:ldap://x.example/a}", "Mozilla/5.0 (X11; Linux x86_64)", "union select password from users"}
	want := make([]int, len(values))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.WarmUp() }()
	results := make([][]int, 4)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range values {
				k := (i + g) % len(values)
				res := run(e, Address{Name: AddrQuery, Value: query("q", values[k])}, Address{Name: AddrBody, Value: Map([]Field{{Key: "v", Value: String(values[k])}})})
				results[g] = append(results[g], k, len(res.Matches))
			}
		}()
	}
	wg.Wait()
	for i, v := range values {
		want[i] = len(run(e, Address{Name: AddrQuery, Value: query("q", v)}, Address{Name: AddrBody, Value: Map([]Field{{Key: "v", Value: String(v)}})}).Matches)
	}
	for g, r := range results {
		for j := 0; j+1 < len(r); j += 2 {
			if r[j+1] != want[r[j]] {
				t.Errorf("goroutine %d: %q matched %d rules while operators were built, %d after", g, values[r[j]], r[j+1], want[r[j]])
			}
		}
	}
}

// A request already blocked has nothing left to evaluate but the rules
// that read only rules_data, which run whatever the budget: the time spent
// after the block (the walk of the addresses that follow, a second run
// with the response status) does not make it a timeout.
func TestNoTimeoutAfterBlock(t *testing.T) {
	c := budgetContext(t, time.Millisecond)
	c.block = &Action{ID: "block"}
	if spin(c, 3*time.Millisecond, true) || c.TimedOut() {
		t.Fatal("a blocked request ran out of its budget")
	}
	c.block = nil
	if !spin(c, 50*time.Millisecond, true) {
		t.Fatal("50 ms of work did not run a 1 ms budget out once the block was lifted")
	}
}
