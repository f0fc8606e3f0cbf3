package rules_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestBenignText sends every line of testdata/benign.txt (addresses, prose
// with punctuation, titles, code snippets, SQL-looking sentences) through
// the default ruleset, as a query parameter and as a JSON body field, and
// fails on any match.
func TestBenignText(t *testing.T) {
	f, err := os.Open("testdata/benign.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eng := newEngine(t)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		line = strings.ReplaceAll(line, `\r\n`, "\r\n")
		n++
		b, _ := json.Marshal(map[string]string{"comment": line})
		for _, v := range []vector{
			{Method: "GET", URI: "/search?q=" + url.QueryEscape(line)},
			{Method: "POST", URI: "/api", Headers: [][2]string{{"Content-Type", "application/json"}}, Body: string(b)},
		} {
			if ids := run(t, eng, v); len(ids) > 0 {
				t.Errorf("benign %q (%s): flagged by %v", line, v.Method, ids)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("only %d benign lines", n)
	}
}
