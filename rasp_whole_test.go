package rampart_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// bigRequest is a request with a JSON body of about 1 MiB (many fields),
// 1,000 query parameters and extra values, for the cost of sink checks on
// large requests.
func bigRequest(tb testing.TB, extraQuery string) *rampart.Request {
	tb.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor,
		Exporter: rampart.ExporterFunc(func(*event.Event) {}), Timeout: -1})
	if err != nil {
		tb.Fatal(err)
	}
	var q strings.Builder
	q.WriteString("/search?")
	for i := range 1000 {
		fmt.Fprintf(&q, "f%d=value-%d&", i, i)
	}
	q.WriteString(extraQuery)
	var body strings.Builder
	body.WriteString(`{"items":[`)
	for i := 0; body.Len() < 1<<20-200; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"item-%d","title":"A title of item %d","tags":["red","blue"],"note":"%s"}`, i, i, strings.Repeat("n", 40))
	}
	body.WriteString(`]}`)
	hr := httptest.NewRequest("POST", q.String(), strings.NewReader(body.String()))
	hr.Header.Set("Content-Type", "application/json")
	in, err := httpinput.FromHTTP(hr, a.InputOptions())
	if err != nil {
		tb.Fatal(err)
	}
	r := a.NewRequest(in)
	r.Body()
	return r
}

// statement1K is a 1 KB statement with none of the big request's values.
var statement1K = "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'shipped' AND o.created_at > now() - interval '30 days'" +
	strings.Repeat(" AND o.region <> 'unknown-region-code'", 22) + " ORDER BY o.created_at DESC LIMIT 100"

func TestWholeRequestCheckedAtTheSink(t *testing.T) {
	r := bigRequest(t, "name="+strings.Repeat("p", 5000)+"%27+OR+%271%27%3D%271")
	defer r.Finish(200)
	if err := r.CheckSQL("postgresql", statement1K); err != nil {
		t.Fatalf("benign statement: %v", err)
	}
	stmt := "SELECT * FROM users WHERE name = '" + strings.Repeat("p", 5000) + "' OR '1'='1'"
	if err := r.CheckSQL("postgresql", stmt); !errors.Is(err, rampart.ErrBlocked) {
		t.Fatalf("injection after 5000 bytes of padding, behind a 1 MiB body and 1,000 parameters: %v", err)
	}
}

// BenchmarkSinkCheckWholeRequest: a check against a request with a 1 MiB
// body and 1,000 parameters. "first" includes collecting the request's
// strings (once per request); "next" is every later check.
func BenchmarkSinkCheckWholeRequest(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			r := bigRequest(b, "")
			b.StartTimer()
			_ = r.CheckSQL("postgresql", statement1K)
			b.StopTimer()
			r.Finish(200)
			b.StartTimer()
		}
	})
	b.Run("next", func(b *testing.B) {
		r := bigRequest(b, "")
		defer r.Finish(200)
		_ = r.CheckSQL("postgresql", statement1K)
		b.ReportAllocs()
		for b.Loop() {
			_ = r.CheckSQL("postgresql", statement1K)
		}
	})
	// worst: every one of 1,000 parameters is a distinct substring of the
	// statement, so each reaches the detector.
	b.Run("worst", func(b *testing.B) {
		var q strings.Builder
		for i := range 1000 {
			a := (i * 7) % (len(statement1K) - 40)
			fmt.Fprintf(&q, "w%d=%s&", i, urlEscape(statement1K[a:a+8+i%32]))
		}
		r := bigRequest(b, q.String())
		defer r.Finish(200)
		b.ReportAllocs()
		for b.Loop() {
			_ = r.CheckSQL("postgresql", statement1K)
		}
	})
}

func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

var _ = time.Second

// TestMapKeysAsInputs: a key that carries structure is an input (an
// application that builds a statement from a key is injectable), a plain
// name is not (a field named "file" and the program file(1)).
func TestMapKeysAsInputs(t *testing.T) {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor,
		Exporter: rampart.ExporterFunc(func(*event.Event) {}), Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/update", strings.NewReader(`{"file":"report.txt","email = 'x' WHERE 1=1 --":"v"}`))
	in, _ := httpinput.FromHTTP(hr, a.InputOptions())
	r := a.NewRequest(in)
	r.Body()
	defer r.Finish(200)
	if err := r.CheckExec([]string{"file", "report.txt"}); err != nil {
		t.Errorf("a plain key equal to the program: %v", err)
	}
	if err := r.CheckSQL("sqlite", "UPDATE users SET email = 'x' WHERE 1=1 -- = 'v' WHERE id = 7"); !errors.Is(err, rampart.ErrBlocked) {
		t.Errorf("an injected key: %v", err)
	}
}
