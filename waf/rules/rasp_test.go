package rules_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// TestDefaultHasRASP checks that Default splices the exploit-prevention
// rules into the request rules, and that they run at the sinks.
func TestDefaultHasRASP(t *testing.T) {
	var all, req struct {
		Rules []struct {
			ID      string   `json:"id"`
			OnMatch []string `json:"on_match"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(rules.Default(), &all); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rules.RequestRules(), &req); err != nil {
		t.Fatal(err)
	}
	if len(all.Rules) != len(req.Rules)+5 {
		t.Fatalf("Default has %d rules, request rules %d: want 5 more", len(all.Rules), len(req.Rules))
	}
	for _, r := range all.Rules[:5] {
		if !strings.HasPrefix(r.ID, "rp-rasp-") || strings.Join(r.OnMatch, ",") != "block,stack_trace" {
			t.Errorf("rule %s on_match %v", r.ID, r.OnMatch)
		}
	}
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := waf.New(rs, waf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.SinkRuleCount(); n != 5 {
		t.Errorf("sink rules %d, want 5", n)
	}
}

// TestRASPRules runs each exploit-prevention rule on an exploit and on a
// benign call of its sink.
func TestRASPRules(t *testing.T) {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := waf.New(rs, waf.Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	q := func(v string) waf.Address {
		return waf.Address{Name: waf.AddrQuery, Value: waf.Map([]waf.Field{{Key: "v", Value: waf.Strings(v)}})}
	}
	for _, c := range []struct {
		rule, input string
		sink        []waf.Address
		exploit     bool
	}{
		{"rp-rasp-sqli", "x' OR '1'='1", []waf.Address{{Name: waf.AddrDBStatement, Value: waf.String("SELECT * FROM users WHERE name = 'x' OR '1'='1'")}, {Name: waf.AddrDBSystem, Value: waf.String("sqlite")}}, true},
		{"rp-rasp-sqli", "O'Brien", []waf.Address{{Name: waf.AddrDBStatement, Value: waf.String("SELECT * FROM users WHERE name = 'O''Brien'")}, {Name: waf.AddrDBSystem, Value: waf.String("sqlite")}}, false},
		{"rp-rasp-ssrf", "http://127.0.0.1:2375/containers/json", []waf.Address{{Name: waf.AddrNetURL, Value: waf.String("http://127.0.0.1:2375/containers/json")}}, true},
		{"rp-rasp-ssrf", "report-2024.pdf", []waf.Address{{Name: waf.AddrNetURL, Value: waf.String("https://files.example.com/docs/report-2024.pdf")}}, false},
		{"rp-rasp-shi", "example.com; cat /etc/passwd", []waf.Address{{Name: waf.AddrShellCmd, Value: waf.String("ping -c 1 example.com; cat /etc/passwd")}}, true},
		{"rp-rasp-shi", "example.com", []waf.Address{{Name: waf.AddrShellCmd, Value: waf.String("ping -c 1 example.com")}}, false},
		{"rp-rasp-cmdi", "/bin/bash", []waf.Address{{Name: waf.AddrExecCmd, Value: waf.Strings("/bin/bash", "-h")}}, true},
		{"rp-rasp-cmdi", "report.txt", []waf.Address{{Name: waf.AddrExecCmd, Value: waf.Strings("/usr/bin/wc", "-l", "report.txt")}}, false},
		{"rp-rasp-lfi", "../../etc/passwd", []waf.Address{{Name: waf.AddrFSFile, Value: waf.String("/srv/files/../../etc/passwd")}}, true},
		{"rp-rasp-lfi", "notes.txt", []waf.Address{{Name: waf.AddrFSFile, Value: waf.String("/srv/files/notes.txt")}}, false},
	} {
		ctx := e.NewContext()
		ctx.Run([]waf.Address{q(c.input)})
		res := ctx.RunSink(c.sink)
		var got *waf.Match
		for i := range res.Matches {
			if res.Matches[i].RuleID == c.rule {
				got = &res.Matches[i]
			}
		}
		switch {
		case c.exploit && got == nil:
			t.Errorf("%s: %q not caught in %v", c.rule, c.input, c.sink[0].Value.Str())
		case !c.exploit && len(res.Matches) > 0:
			t.Errorf("%s: benign %q flagged: %+v", c.rule, c.input, res.Matches[0].Exploit)
		case got != nil:
			ex := got.Exploit
			if ex == nil || ex.Input != c.input || ex.InputAddress != waf.AddrQuery || strings.Join(ex.InputKeyPath, ".") != "v.0" || !got.StackTrace || !got.Blocking {
				t.Errorf("%s: match %+v exploit %+v", c.rule, got, ex)
			}
		}
		ctx.Close()
	}
}
