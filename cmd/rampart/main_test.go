package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/prereq"
)

const replayInput = `{"id": "a1", "source": "t", "label": "attack", "category": "sqli", "request": {"method": "GET", "uri": "/s?q=1%27%20OR%20%271%27%3D%271%27--%20", "headers": [["Host", "x"]], "body": "", "client_ip": "203.0.113.7"}}
{"id": "b1", "source": "t", "label": "benign", "category": "benign", "request": {"method": "POST", "uri": "/orders", "headers": [["Host", "x"], ["Content-Type", "application/json"]], "body": "{\"note\": \"O'Brien will select one\"}", "client_ip": "203.0.113.8"}}
{"id": "a2", "source": "t", "label": "attack", "category": "xss", "request": {"method": "POST", "uri": "/c", "headers": [["Content-Type", "application/x-www-form-urlencoded"]], "body": "t=%3Csvg%2Fonload%3Dalert(1)%3E", "client_ip": "203.0.113.9"}}
`

func TestReplayLines(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(replayInput), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := replayCmd([]string{"--rules", "default", "--in", in}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	want := map[string]string{"a1": "block", "b1": "pass", "a2": "block"}
	for _, l := range lines {
		// The contract of DESIGN.md: exactly these fields.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "verdict", "rules", "categories", "duration_us"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("line %s lacks %q", l, k)
			}
		}
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.Verdict != want[v.ID] {
			t.Errorf("%s: verdict %s, want %s (%s)", v.ID, v.Verdict, want[v.ID], l)
		}
		if v.Verdict == "block" && (len(v.Rules) == 0 || len(v.Categories) == 0) {
			t.Errorf("%s: blocked without rules: %s", v.ID, l)
		}
	}
}

func TestReplaySummaryAndErrors(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(replayInput), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := replayCmd([]string{"--in", in, "--summary"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"attacks flagged (recall): 2/2 = 100.00%", "benign flagged (false positives): 0/1 = 0.00%", "| sqli ", "| xss "} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, out.String())
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"id\": 1}\nnot json\n"), 0o600)
	if err := replayCmd([]string{"--in", bad}, &out); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("bad input: err = %v, want a line number", err)
	}
	if err := replayCmd([]string{"--rules", "/nonexistent.json", "--in", in}, &out); err == nil {
		t.Error("missing ruleset accepted")
	}
}

func TestRulesLint(t *testing.T) {
	var out bytes.Buffer
	if err := rulesCmd([]string{"lint"}, &out); err != nil || !strings.Contains(out.String(), "default: ok") {
		t.Fatalf("lint default: %v\n%s", err, out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"version": "2.2", "rules": [{"id": "x", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "nope", "parameters": {"inputs": [{"address": "a"}]}}]}]}`), 0o600)
	err := rulesCmd([]string{"lint", bad}, &out)
	if err == nil || !strings.Contains(err.Error(), `unknown operator "nope"`) {
		t.Fatalf("lint bad: %v", err)
	}
}

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := demoCmd([]string{"--addr", "127.0.0.1:0", "--ui-addr", "127.0.0.1:0", "--keep=false"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, d := range demoRequests {
		var line string
		for _, l := range strings.Split(s, "\n") {
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
	if _, err := exec.LookPath("aws-lambda-rie"); err != nil {
		if prereq.Required() {
			t.Errorf("aws-lambda-rie is not installed: %v (%s=1)", err, prereq.Env)
		} else {
			t.Logf("aws-lambda-rie is not installed, the demo's Lambda part is not checked: %v", err)
		}
	} else {
		lambda := s[strings.Index(s, "2b. "):strings.Index(s, "3. Account takeover")]
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
	// Account takeover: detected by the collector, answered in-process.
	for _, want := range []string{"detected: credential_stuffing", "detected: brute_force",
		"response: " + stufferIP + " is now blocked in-process", "still logs in (dave: 200)", "step-up authentication required (401)", "block_ip       " + stufferIP, "The UI: http://127.0.0.1:"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
}

func TestRaspCheck(t *testing.T) {
	in := filepath.Join(t.TempDir(), "rasp.jsonl")
	cases := `{"id": "s1", "label": "exploit", "sink": "sql", "dialect": "mysql", "input": "1' OR '1'='1", "resource": "SELECT * FROM users WHERE id = '1' OR '1'='1'"}
{"id": "s2", "label": "benign", "sink": "sql", "dialect": "postgresql", "input": "O''Brien", "resource": "SELECT * FROM users WHERE name = 'O''Brien'"}
{"id": "h1", "label": "exploit", "sink": "shell", "input": "x; cat /etc/passwd", "resource": "ping -c 1 x; cat /etc/passwd"}
{"id": "e1", "label": "exploit", "sink": "exec", "input": "--output=/tmp/x", "resource": "", "argv": ["convert", "--output=/tmp/x"]}
{"id": "u1", "label": "exploit", "sink": "http", "input": "http://169.254.169.254/latest/meta-data/", "resource": "http://169.254.169.254/latest/meta-data/"}
{"id": "f1", "label": "exploit", "sink": "file", "input": "../../etc/passwd", "resource": "/srv/files/../../etc/passwd"}
{"id": "f2", "label": "benign", "sink": "file", "input": "report.pdf", "resource": "/srv/files/report.pdf"}
`
	if err := os.WriteFile(in, []byte(cases), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := raspCmd([]string{"check", "--in", in}, &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s1": "sqli", "s2": "", "h1": "shi", "e1": "cmdi", "u1": "ssrf", "f1": "lfi", "f2": ""}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		var v raspVerdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.Detector != want[v.ID] || v.Exploit != (want[v.ID] != "") || v.Exploit && v.Reason == "" {
			t.Errorf("%s: %s (want detector %q)", v.ID, l, want[v.ID])
		}
	}
	out.Reset()
	if err := raspCmd([]string{"check", "--in", in, "--summary"}, &out); err != nil || !strings.Contains(out.String(), "| sql    |        1 |        1 |  100.00% |        1 |        0 |") {
		t.Errorf("summary: %v\n%s", err, out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"id": "x", "sink": "teleport"}`+"\n"), 0o600)
	if err := raspCmd([]string{"check", "--in", bad}, &out); err == nil || !strings.Contains(err.Error(), "unknown sink") {
		t.Errorf("bad sink: %v", err)
	}
}
