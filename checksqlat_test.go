package rampart_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

// callersHere returns the program counters of its caller's call.
func callersHere() []uintptr {
	pcs := make([]uintptr, 32)
	return pcs[:runtime.Callers(2, pcs)]
}

// CheckSQLAt reports the stack it is given, not the one of the check:
// the exploit's location is where the callers were taken.
func TestCheckSQLAt(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sec := a.Begin(&httpinput.Request{Method: "GET", URI: "/u?name=x%27+OR+%271%27%3D%271", RemoteAddr: "127.0.0.1:1"})
	defer sec.Finish(200)
	pcs := callersHere() // the application's call
	check := func() error {
		return sec.CheckSQLAt("postgresql", "SELECT * FROM users WHERE name = 'x' OR '1'='1'", pcs)
	}
	if err := check(); err == nil {
		t.Fatal("the exploit was not blocked")
	}
	ex := rec.LastExploit()
	if ex == nil || ex.Location == nil || ex.Location.Function != "github.com/rampartsec/rampart_test.TestCheckSQLAt" {
		t.Fatalf("exploit %+v", ex)
	}
	for _, f := range ex.Stack {
		if strings.Contains(f.Function, "TestCheckSQLAt.func") {
			t.Errorf("the stack holds the check's frame %s", f.Function)
		}
	}
	if err := sec.CheckSQLAt("postgresql", "SELECT 1", pcs); err != nil {
		t.Errorf("benign: %v", err)
	}
	var none *rampart.Request
	if err := none.CheckSQLAt("postgresql", "SELECT 1", nil); err != nil {
		t.Errorf("nil request: %v", err)
	}
}
