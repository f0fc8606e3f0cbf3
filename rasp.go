package rampart

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/rasp/cmdi"
	"github.com/rampartsec/rampart/waf"
)

// CheckSQL checks a SQL statement about to run on a database system
// (postgresql, mysql, sqlite, sqlserver, oracle, or "" when unknown).
func CheckSQL(ctx context.Context, system, statement string) error {
	return FromContext(ctx).CheckSQL(system, statement)
}

// CheckURL checks a URL the code is about to request.
func CheckURL(ctx context.Context, rawURL string) error {
	return FromContext(ctx).CheckURL(rawURL)
}

// CheckResolved is the dial-time check of an outgoing request: ip is the
// address rawURL's host resolved to, about to be dialed. It catches a host
// chosen by the request whose name points inside (DNS rebinding).
func CheckResolved(ctx context.Context, rawURL string, ip netip.Addr) error {
	return FromContext(ctx).CheckResolved(rawURL, ip)
}

// CheckShell checks a command line about to run through a shell (sh -c).
func CheckShell(ctx context.Context, command string) error {
	return FromContext(ctx).CheckShell(command)
}

// CheckExec checks a program and its arguments about to run without a
// shell. When the program is a shell run with -c, the script is also
// checked as a shell command.
func CheckExec(ctx context.Context, argv []string) error {
	return FromContext(ctx).CheckExec(argv)
}

// CheckFile checks a file path about to be opened.
func CheckFile(ctx context.Context, path string) error {
	return FromContext(ctx).CheckFile(path)
}

// CheckSQL checks a SQL statement within this request; see the package
// function CheckSQL.
func (r *Request) CheckSQL(system, statement string) error {
	if r == nil {
		return nil
	}
	return r.sink(waf.Address{Name: waf.AddrDBStatement, Value: waf.String(statement)},
		waf.Address{Name: waf.AddrDBSystem, Value: waf.String(system)})
}

// CheckSQLAt is CheckSQL for a check made from inside a driver (a pgx
// tracer runs within pgx's own frames): callers, from runtime.Callers and
// starting at the application's call into the driver, are the stack trace
// reported for an exploit.
func (r *Request) CheckSQLAt(system, statement string, callers []uintptr) error {
	if r == nil {
		return nil
	}
	_, err := r.sinkAt(callers, waf.Address{Name: waf.AddrDBStatement, Value: waf.String(statement)},
		waf.Address{Name: waf.AddrDBSystem, Value: waf.String(system)})
	return err
}

// CheckURL checks an outgoing URL within this request.
func (r *Request) CheckURL(rawURL string) error {
	if r == nil {
		return nil
	}
	return r.sink(waf.Address{Name: waf.AddrNetURL, Value: waf.String(rawURL)})
}

// CheckResolved checks a resolved outgoing address within this request.
func (r *Request) CheckResolved(rawURL string, ip netip.Addr) error {
	return r.CheckResolvedAt(rawURL, ip, nil)
}

// CheckResolvedAt is CheckResolved for a dial made on another goroutine
// than the code that asked for it (http.Transport dials on its own):
// callers, from runtime.Callers at the application's call, are the stack
// trace reported for an exploit.
func (r *Request) CheckResolvedAt(rawURL string, ip netip.Addr, callers []uintptr) error {
	if r == nil {
		return nil
	}
	_, err := r.sinkAt(callers, waf.Address{Name: waf.AddrNetURL, Value: waf.String(rawURL)},
		waf.Address{Name: waf.AddrNetResolvedIP, Value: waf.String(ip.String())})
	return err
}

// CheckShell checks a shell command line within this request.
func (r *Request) CheckShell(command string) error {
	if r == nil {
		return nil
	}
	return r.sink(waf.Address{Name: waf.AddrShellCmd, Value: waf.String(command)})
}

// CheckExec checks an argv within this request.
func (r *Request) CheckExec(argv []string) error {
	if r == nil || len(argv) == 0 {
		return nil
	}
	// A shell's script is judged as a command line first: the report then
	// names the shell injection (shi) rather than the argv (cmdi).
	// One exploit is reported once, not as both.
	if script, ok := shellScript(argv); ok {
		n, err := r.sinkAt(nil, waf.Address{Name: waf.AddrShellCmd, Value: waf.String(script)})
		if err != nil || n > 0 {
			return err
		}
	}
	return r.sink(waf.Address{Name: waf.AddrExecCmd, Value: waf.Strings(argv...)})
}

// CheckFile checks a file path within this request.
func (r *Request) CheckFile(path string) error {
	if r == nil {
		return nil
	}
	return r.sink(waf.Address{Name: waf.AddrFSFile, Value: waf.String(path)})
}

// shellScript returns the script a shell (or PowerShell) runs from argv:
// see cmdi.ShellScript for the wrappers, options and launchers followed.
func shellScript(argv []string) (string, bool) { return cmdi.ShellScript(argv) }

// SinkCall is a sink call described as data, for the bindings of other
// runtimes (the Python package), whose stack is not the Go stack.
type SinkCall struct {
	// Sink is sql, http (an outgoing URL), resolved (an outgoing URL and
	// the address it resolved to), shell, exec or file.
	Sink string
	// Resource is the statement, URL, command line or path; for exec,
	// Argv is the argument vector instead.
	Resource string
	Argv     []string
	// System is the SQL dialect (postgresql, mysql, sqlite, sqlserver,
	// oracle, or "" when unknown); IP the resolved address of a
	// resolved call.
	System, IP string
	// Stack is the caller's stack, innermost first, reported with an
	// exploit; App is the index in it of the application's first frame,
	// -1 for none.
	Stack []event.Frame
	App   int
}

// Check runs the exploit-prevention rules on a sink call described as
// data; see CheckSQL and the other checks. An unknown Sink, or a resolved
// call whose IP does not parse, is an error.
func (r *Request) Check(c SinkCall) error {
	if r == nil {
		return nil
	}
	st := stack{frames: c.Stack, app: c.App, given: true}
	var err error
	switch c.Sink {
	case "sql":
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrDBStatement, Value: waf.String(c.Resource)},
			waf.Address{Name: waf.AddrDBSystem, Value: waf.String(c.System)})
	case "http":
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrNetURL, Value: waf.String(c.Resource)})
	case "resolved":
		ip, perr := netip.ParseAddr(c.IP)
		if perr != nil {
			return fmt.Errorf("rampart: sink call: ip %q: %w", c.IP, perr)
		}
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrNetURL, Value: waf.String(c.Resource)},
			waf.Address{Name: waf.AddrNetResolvedIP, Value: waf.String(ip.Unmap().String())})
	case "shell":
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrShellCmd, Value: waf.String(c.Resource)})
	case "exec":
		if len(c.Argv) == 0 {
			return nil
		}
		if script, ok := shellScript(c.Argv); ok {
			n, err := r.sinkWith(st, waf.Address{Name: waf.AddrShellCmd, Value: waf.String(script)})
			if err != nil || n > 0 {
				return err
			}
		}
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrExecCmd, Value: waf.Strings(c.Argv...)})
	case "file":
		_, err = r.sinkWith(st, waf.Address{Name: waf.AddrFSFile, Value: waf.String(c.Resource)})
	default:
		return fmt.Errorf("rampart: sink call: unknown sink %q (want sql, http, resolved, shell, exec or file)", c.Sink)
	}
	return err
}

// stack is where an exploit's stack trace comes from: the Go stack at the
// check (the zero value), program counters taken at the application's call
// (pcs), or frames a foreign runtime gave (given).
type stack struct {
	pcs    []uintptr
	frames []event.Frame
	app    int
	given  bool
}

// sink runs the exploit-prevention rules on one sink call.
func (r *Request) sink(addrs ...waf.Address) error {
	_, err := r.sinkWith(stack{}, addrs...)
	return err
}

// sinkAt runs the rules and returns the number of exploits reported;
// callers, when set, replace the current stack in reports.
func (r *Request) sinkAt(callers []uintptr, addrs ...waf.Address) (n int, err error) {
	return r.sinkWith(stack{pcs: callers}, addrs...)
}

// sinkWith runs the rules with the stack st and returns the number of
// exploits reported.
func (r *Request) sinkWith(st stack, addrs ...waf.Address) (n int, err error) {
	a := r.agent
	defer a.Recover()
	evs, blocked := r.evalSink(addrs, st)
	for _, ev := range evs {
		a.stats.Exploits.Add(1)
		a.exporter.Export(ev)
	}
	if blocked != nil {
		return len(evs), &BlockedError{RuleID: blocked.RuleID, Action: blocked}
	}
	return len(evs), nil
}

// evalSink runs the sink rules under the request's lock and builds the
// exploit events.
func (r *Request) evalSink(addrs []waf.Address, st stack) ([]*event.Event, *waf.Action) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil, nil
	}
	res := r.waf.RunSink(addrs)
	var blocked *waf.Action
	if res.Block != nil && r.agent.cfg.Mode == ModeBlock {
		blocked = res.Block
		if r.block == nil {
			r.block = res.Block
		}
	}
	if len(res.Matches) == 0 {
		return nil, blocked
	}
	var frames []event.Frame
	app := -2 // found by appFrame
	if res.StackTrace {
		if st.given {
			frames, app = st.frames, st.app
			if len(frames) > maxFrames {
				frames = frames[:maxFrames]
			}
		} else if st.pcs != nil {
			frames = framesOf(st.pcs)
		} else {
			var pcs [maxFrames + 16]uintptr
			frames = framesOf(pcs[:runtime.Callers(5, pcs[:])])
		}
	}
	evs := make([]*event.Event, 0, len(res.Matches))
	for i := range res.Matches {
		if m := &res.Matches[i]; m.Exploit != nil {
			evs = append(evs, r.exploitEvent(m, frames, app, blocked != nil && m.Blocking))
		}
	}
	return evs, blocked
}

// exploitEvent builds the event of an exploit; app is the index of the
// application's frame in frames, -1 for none, -2 to find it by appFrame.
func (r *Request) exploitEvent(m *waf.Match, frames []event.Frame, app int, blocked bool) *event.Event {
	ev := r.event(0)
	ev.Type = event.TypeExploit
	ev.Triggers = nil
	ev.Blocked = blocked
	x := m.Exploit
	ev.Exploit = &event.Exploit{
		RuleID: m.RuleID, RuleName: m.RuleName, Detector: x.Detector, Sink: x.Sink,
		Resource: x.Resource, System: x.System, Input: x.Input,
		InputAddress: x.InputAddress, InputKeyPath: x.InputKeyPath,
		Start: x.Start, End: x.End, Reason: x.Reason, Stack: frames,
	}
	if app >= 0 && app < len(frames) {
		f := frames[app]
		ev.Exploit.Location = &f
	}
	for i := 0; app == -2 && i < len(frames); i++ {
		if appFrame(frames[i].Function) {
			f := frames[i]
			ev.Exploit.Location = &f
			break
		}
	}
	return ev
}

// maxFrames bounds a stack trace: deep enough for any handler, small enough
// for an event.
const maxFrames = 48

// framesOf turns program counters into a stack trace, innermost first,
// without rampart's own library frames and the runtime's.
func framesOf(pcs []uintptr) []event.Frame {
	it := runtime.CallersFrames(pcs)
	out := make([]event.Frame, 0, len(pcs))
	for {
		f, more := it.Next()
		if !libraryFrame(f.Function) && !strings.HasPrefix(f.Function, "runtime.") && len(out) < maxFrames {
			out = append(out, event.Frame{Function: f.Function, File: f.File, Line: f.Line})
		}
		if !more {
			break
		}
	}
	return out
}

const modulePath = "github.com/rampartsec/rampart"

// libraryFrame reports whether fn belongs to rampart's library packages
// (the root and the guards), whose frames are left out of stack traces.
// The examples are application code.
func libraryFrame(fn string) bool {
	if !strings.HasPrefix(fn, modulePath) {
		return false
	}
	rest := fn[len(modulePath):]
	pkg := rest
	slash := strings.LastIndexByte(pkg, '/')
	if dot := strings.IndexByte(pkg[slash+1:], '.'); dot >= 0 {
		pkg = pkg[:slash+1+dot]
	}
	if strings.HasSuffix(pkg, "_test") {
		return false // a test of the library is the application here
	}
	if strings.HasPrefix(rest, ".") {
		return true
	}
	return strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, "/examples/") && !strings.HasPrefix(rest, "/cmd/")
}

// appFrame reports whether fn is the application's own code: not rampart's
// library, not the standard library (whose import paths have no dot in
// their first element, except main).
func appFrame(fn string) bool {
	if fn == "" || libraryFrame(fn) {
		return false
	}
	first := fn
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	} else if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	return first == "main" || strings.Contains(first, ".")
}
