package ui

import (
	"testing"
	"time"

	"github.com/rampartsec/rampart/event"
)

func TestRuleName(t *testing.T) {
	if ruleName("rp-sqli-001") == "" {
		t.Fatal("rp-sqli-001 has no name")
	}
	if ruleName("rp-rasp-sqli") == "" {
		t.Fatal("the exploit-prevention rule rp-rasp-sqli has no name")
	}
	if n := ruleName("no-such-rule"); n != "" {
		t.Fatalf("an unknown rule is named %q", n)
	}
}

func TestShortTitle(t *testing.T) {
	for in, want := range map[string]string{
		"SQL injection at /var/task/handlers/users.go:42":                      "SQL injection at handlers/users.go:42",
		"SQL injection at /home/ci/go/pkg/mod/example.com/lib@v1.2.0/db.go:7":  "SQL injection at example.com/lib@v1.2.0/db.go:7",
		"Shell injection at /app/examples/vulnapp/routes/routes.go:97":         "Shell injection at examples/vulnapp/routes/routes.go:97",
		"sqli exploit at /builds/x/y/z/project/internal/store/q.go:3":          "sqli exploit at …/internal/store/q.go:3",
		"Path traversal at /usr/lib/python3.11/site-packages/app/files.py:12":  "Path traversal at app/files.py:12",
		"SQL boolean condition after a closed string literal from 203.0.113.7": "SQL boolean condition after a closed string literal from 203.0.113.7",
		"sqli exploit at sqli/sql":                                             "sqli exploit at sqli/sql",
	} {
		if got := shortTitle(in); got != want {
			t.Errorf("shortTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldStack(t *testing.T) {
	loc := &event.Frame{Function: "example.com/shop/handlers.Users", File: "/var/task/handlers/users.go", Line: 42}
	stack := []event.Frame{
		{Function: "github.com/rampartsec/rampart/sqlguard.(*DB).QueryContext", File: "/root/go/pkg/mod/github.com/rampartsec/rampart@v0.1.0/sqlguard/db.go", Line: 80},
		{Function: "database/sql.(*DB).QueryContext", File: "/usr/local/go/src/database/sql/sql.go", Line: 1700},
		{Function: "example.com/shop/handlers.Users", File: "/var/task/handlers/users.go", Line: 42},
		{Function: "example.com/shop/handlers.wrap.func1", File: "/var/task/handlers/wrap.go", Line: 9},
		{Function: "net/http.HandlerFunc.ServeHTTP", File: "/usr/local/go/src/net/http/server.go", Line: 2171},
	}
	v := foldStack(stack, loc)
	if len(v.App) != 2 || !v.App[0].Here || v.App[0].Short != "handlers/users.go" || v.App[1].Function != "example.com/shop/handlers.wrap.func1" {
		t.Fatalf("application frames: %+v", v.App)
	}
	if len(v.Library) != 3 || v.Library[1].Function != "database/sql.(*DB).QueryContext" {
		t.Fatalf("library frames: %+v", v.Library)
	}
	if len(v.Packages) != 3 || v.Packages[1] != "database/sql" {
		t.Fatalf("packages: %v", v.Packages)
	}
	// without a location nothing of the application is folded
	if v := foldStack(stack[2:4], nil); len(v.App) != 2 || len(v.Library) != 0 {
		t.Fatalf("no location: %+v", v)
	}
}

func TestAxisLabelsDiffer(t *testing.T) {
	start := time.Date(2026, 3, 4, 10, 0, 7, 0, time.UTC)
	for _, span := range []time.Duration{90 * time.Second, 4 * time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour} {
		c := stacked("x", start, span/60, []string{"a"}, []string{"c-a"}, make([]int64, 60))
		seen := map[string]bool{}
		for _, tk := range c.XTicks {
			if seen[tk.Label] {
				t.Errorf("a %s chart repeats the label %q: %+v", span, tk.Label, c.XTicks)
			}
			seen[tk.Label] = true
		}
	}
}
