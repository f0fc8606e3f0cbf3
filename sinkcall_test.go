package rampart_test

import (
	"errors"
	"testing"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
)

// TestCheckSinkCall runs each sink kind described as data, with a stack
// given by the caller (as the Python binding gives its own): the exploit is
// blocked, reported with that stack and the application frame it names,
// and the benign call of each kind passes.
func TestCheckSinkCall(t *testing.T) {
	stack := []event.Frame{
		{Function: "execute", File: "/usr/lib/python3.11/sqlite3/dbapi2.py", Line: 10},
		{Function: "users", File: "/var/task/app.py", Line: 42},
		{Function: "handler", File: "/var/task/app.py", Line: 7},
	}
	cases := []struct {
		target      string
		call, plain rampart.SinkCall
	}{
		{"/users?name=x%27%20OR%20%271%27%3D%271",
			rampart.SinkCall{Sink: "sql", System: "sqlite", Resource: "SELECT * FROM users WHERE name = 'x' OR '1'='1'"},
			rampart.SinkCall{Sink: "sql", System: "sqlite", Resource: "SELECT * FROM users WHERE name = 'alice'"}},
		{"/fetch?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F",
			rampart.SinkCall{Sink: "http", Resource: "http://169.254.169.254/latest/meta-data/"},
			rampart.SinkCall{Sink: "http", Resource: "https://api.example.com/v1/items"}},
		{"/fetch?url=http%3A%2F%2Frebind.example%2F",
			rampart.SinkCall{Sink: "resolved", Resource: "http://rebind.example/", IP: "127.0.0.1"},
			rampart.SinkCall{Sink: "resolved", Resource: "https://api.example.com/", IP: "93.184.216.34"}},
		{"/ping?host=127.0.0.1%3Bid",
			rampart.SinkCall{Sink: "shell", Resource: "ping -c 1 127.0.0.1;id"},
			rampart.SinkCall{Sink: "shell", Resource: "ping -c 1 example.com"}},
		{"/convert?file=report.txt%3Bid",
			rampart.SinkCall{Sink: "exec", Argv: []string{"/bin/sh", "-c", "wc -c report.txt;id"}},
			rampart.SinkCall{Sink: "exec", Argv: []string{"wc", "-c", "report.txt"}}},
		{"/files?name=..%2F..%2F..%2Fetc%2Fpasswd",
			rampart.SinkCall{Sink: "file", Resource: "/var/task/files/../../../etc/passwd"},
			rampart.SinkCall{Sink: "file", Resource: "/var/task/files/report.txt"}},
	}
	for _, c := range cases {
		x := &eventtest.Recorder{}
		r := raspRequest(t, rampart.ModeBlock, x, c.target)
		c.call.Stack, c.call.App = stack, 1
		c.plain.Stack, c.plain.App = stack, 1
		if err := r.Check(c.plain); err != nil {
			t.Errorf("%s: benign %+v: %v", c.call.Sink, c.plain, err)
		}
		err := r.Check(c.call)
		if !errors.Is(err, rampart.ErrBlocked) {
			t.Errorf("%s: exploit %+v: %v", c.call.Sink, c.call, err)
			r.Finish(200)
			continue
		}
		r.Finish(403)
		var ex *event.Event
		for _, e := range x.Events() {
			if e.Type == event.TypeExploit {
				ex = e
			}
		}
		if ex == nil || len(ex.Exploit.Stack) != 3 || ex.Exploit.Location == nil || *ex.Exploit.Location != stack[1] {
			t.Errorf("%s: exploit event %+v", c.call.Sink, ex)
		}
	}
	r := raspRequest(t, rampart.ModeBlock, &eventtest.Recorder{}, "/")
	defer r.Finish(200)
	if err := r.Check(rampart.SinkCall{Sink: "ldap", Resource: "x"}); err == nil || errors.Is(err, rampart.ErrBlocked) {
		t.Errorf("unknown sink: %v", err)
	}
	if err := r.Check(rampart.SinkCall{Sink: "resolved", Resource: "http://a/", IP: "not-an-ip"}); err == nil || errors.Is(err, rampart.ErrBlocked) {
		t.Errorf("bad ip: %v", err)
	}
}
