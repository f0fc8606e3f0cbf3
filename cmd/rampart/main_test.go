package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
