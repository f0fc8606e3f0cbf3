package demo

import (
	"bytes"
	"context"
	"fmt"
	"github.com/rampartsec/rampart/internal/prereq"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the whole demo and checks its verdicts: every attack on
// the API blocked and every normal request passed, every exploit stopped
// at a line of the example application, the Lambda function's verdicts
// (when aws-lambda-rie is installed), and the account-takeover campaign
// detected and answered in-process.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), &out, Config{Addr: "127.0.0.1:0", UIAddr: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	waf := s[:strings.Index(s, "2. Exploit prevention")]
	for _, d := range demoRequests {
		var line string
		for _, l := range strings.Split(waf, "\n") {
			if strings.HasPrefix(l, d.what+"  ") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("no line for %q:\n%s", d.what, s)
		}
		attack := !strings.HasPrefix(d.what, "normal")
		if attack != strings.Contains(line, "BLOCKED") {
			t.Errorf("%q: %s", d.what, line)
		}
		if attack && !strings.Contains(line, "("+d.category+" in ") {
			t.Errorf("%q: want a rule of category %s: %s", d.what, d.category, line)
		}
	}
	// Exploit prevention: every exploit is stopped at its sink, at a line
	// of the example application.
	rasp := s[strings.Index(s, "2. Exploit prevention"):strings.Index(s, "2b. ")]
	for _, c := range raspDemoCalls {
		var line string
		for _, l := range strings.Split(rasp, "\n") {
			if strings.HasPrefix(l, c.what+"  ") {
				line = l
			}
		}
		exploit := !strings.HasPrefix(c.what, "normal")
		if exploit != (strings.Contains(line, "BLOCKED") && strings.Contains(line, "sink, routes.go:")) {
			t.Errorf("%q: %q", c.what, line)
		}
	}
	// The Lambda function under the emulator, when it is installed.
	_, rieErr := exec.LookPath("aws-lambda-rie")
	lambdaOK := rieErr == nil
	if err := rieErr; err != nil {
		if prereq.Required() {
			t.Errorf("aws-lambda-rie is not installed: %v (%s=1)", err, prereq.Env)
		} else {
			t.Logf("aws-lambda-rie is not installed, the demo's Lambda part is not checked: %v", err)
		}
	} else {
		lambda := s[strings.Index(s, "2b. "):strings.Index(s, "2c. ")]
		for _, c := range lambdaDemoCalls {
			want := "passed"
			if !strings.HasPrefix(c.what, "normal") {
				want = "BLOCKED"
			}
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.what) + `\s+\d+\s+` + want).MatchString(lambda) {
				t.Errorf("lambda %q: want %s in\n%s", c.what, want, lambda)
			}
		}
	}
	// The Python function under the emulator, when Python and awslambdaric
	// are installed too: the same verdicts, and each exploit at the
	// collector with the line of app.py that called the sink.
	py := s[strings.Index(s, "2c. "):strings.Index(s, "3. Account takeover")]
	if err := exec.Command("python3", "-c", "import awslambdaric").Run(); err != nil || !lambdaOK {
		if !strings.Contains(py, "skipped: ") {
			t.Errorf("the Python function is neither run nor skipped with a reason:\n%s", py)
		}
		if prereq.Required() {
			t.Errorf("the demo's Python function did not run (%s=1):\n%s", prereq.Env, py)
		} else {
			t.Logf("the demo's Python function is not checked: %s", py)
		}
	} else {
		for _, c := range pythonLambdaCalls {
			want := "passed"
			if !strings.HasPrefix(c.what, "normal") {
				want = "BLOCKED\\s+rp-rasp-"
			}
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.what) + `\s+\d+\s+` + want).MatchString(py) {
				t.Errorf("python lambda %q: want %s in\n%s", c.what, want, py)
			}
		}
		lines := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^  (rp-rasp-\w+)\s+app\.py:(\d+)$`).FindAllStringSubmatch(py, -1) {
			lines[m[1]+":"+m[2]] = true
		}
		if src, err := os.ReadFile("../../examples/python-lambda/app.py"); err != nil {
			t.Error(err)
		} else {
			for i, l := range strings.Split(string(src), "\n") {
				for sink, rule := range map[string]string{"# SQL sink": "rp-rasp-sqli", "# shell sink": "rp-rasp-shi", "# HTTP sink": "rp-rasp-ssrf", "# file sink": "rp-rasp-lfi"} {
					if strings.HasSuffix(l, sink) && !lines[fmt.Sprintf("%s:%d", rule, i+1)] {
						t.Errorf("no %s signal at app.py:%d in\n%s", rule, i+1, py)
					}
				}
			}
		}
	}
	// The decisions: dated, with the time left, and the stuffer's block
	// credited to the stuffing (4 hours), not to the brute force that
	// later counted one of its attempts (1 hour).
	day := `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`
	for _, re := range []string{
		`block_ip\s+` + regexp.QuoteMeta(stufferIP) + `\s+until ` + day + ` \(in (4h0m0s|3h59m0s)\)\s+— one IP failed on`,
		`challenge_user alice\s+until ` + day + ` \(in (24h0m0s|23h59m0s)\)`,
		`block_ip\s+` + regexp.QuoteMeta(bruteIP) + `\s+until ` + day + ` \(in (1h0m0s|59m0s)\)\s+— \d+ failed logins on one account`,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("no decision line matching %s in\n%s", re, s[strings.Index(s, "Decisions in force"):])
		}
	}
	// The WAF step's attackers are told apart (forwarded by a trusted proxy).
	top := s[strings.Index(s, "Top attacker addresses:"):]
	top = top[:strings.IndexByte(top, '\n')]
	for _, ip := range wafAttackers {
		if !strings.Contains(top, " "+ip+" (") {
			t.Errorf("attacker %s not among %q", ip, top)
		}
	}
	// The campaigns' signals count every attempt that reached /login,
	// those after the detection (within the detector's cooldown) too: the
	// stuffing's 40 pairs and the later logins of its address, the brute
	// force's 15 guesses and the stuffing's attempt on bob (his failures
	// since his last success). The table shows the same counts.
	rows := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(credential_stuffing|brute_force)\s+\w+\s+(\d+)\s`).FindAllStringSubmatch(s, -1) {
		rows[m[1]] = m[2]
	}
	for _, c := range []struct{ typ, re string }{
		{"credential_stuffing", `counted: credential_stuffing (\d+) attempts = 40 pairs \+ (\d+) later logins? from `},
		{"brute_force", `counted: brute_force (\d+) attempts = 15 guesses \+ (\d+) of the stuffing's on bob`},
	} {
		m := regexp.MustCompile(c.re).FindStringSubmatch(s)
		if m == nil {
			t.Errorf("no line matching %s in\n%s", c.re, s)
			continue
		}
		var got, more int
		fmt.Sscan(m[1], &got)
		fmt.Sscan(m[2], &more)
		base := 40
		if c.typ == "brute_force" {
			base = 15
			if more != 1 {
				t.Errorf("brute_force: %d of the stuffing's attempts on bob, want 1: %s", more, m[0])
			}
		}
		if got != base+more {
			t.Errorf("%s: the signal counts %d attempts, %d+%d were made: %s", c.typ, got, base, more, m[0])
		}
		if rows[c.typ] != m[1] {
			t.Errorf("%s: the table counts %q, the demo %s", c.typ, rows[c.typ], m[1])
		}
	}
	// Account takeover: detected by the collector, answered in-process.
	for _, want := range []string{"detected: credential_stuffing", "detected: brute_force",
		"response: " + stufferIP + " is now blocked in-process", "still logs in (dave: 200)", "step-up authentication required (401)", "The UI: http://127.0.0.1:"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
}
