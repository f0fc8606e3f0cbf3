package rampart_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

func raspRequest(t testing.TB, mode rampart.Mode, x rampart.Exporter, target string) *rampart.Request {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: mode, Exporter: x, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	in, err := httpinput.FromHTTP(httptest.NewRequest("GET", target, nil), a.InputOptions())
	if err != nil {
		t.Fatal(err)
	}
	return a.NewRequest(in)
}

func TestCheckSQLBlocks(t *testing.T) {
	x := &eventtest.Recorder{}
	// The WAF blocks this request too in block mode; the sink check runs
	// when the application calls it anyway (WAFMode monitor in the demo).
	r := raspRequest(t, rampart.ModeBlock, x, "/users?name=x%27%20OR%20%271%27%3D%271")
	err := r.CheckSQL("sqlite", "SELECT * FROM users WHERE name = 'x' OR '1'='1'")
	var be *rampart.BlockedError
	if !errors.As(err, &be) || !errors.Is(err, rampart.ErrBlocked) || be.RuleID != "rp-rasp-sqli" {
		t.Fatalf("CheckSQL = %v", err)
	}
	if err := r.CheckSQL("sqlite", "SELECT * FROM users WHERE name = 'alice'"); err != nil {
		t.Fatalf("benign statement: %v", err)
	}
	r.Finish(403)
	var ex *event.Event
	for _, e := range x.Events() {
		if e.Type == event.TypeExploit {
			ex = e
		}
	}
	if ex == nil || !ex.Blocked || ex.Request == nil || ex.Request.Method != "GET" || len(ex.Exploit.Stack) == 0 ||
		ex.Exploit.Location == nil || !strings.HasSuffix(ex.Exploit.Location.File, "rasp_test.go") {
		t.Fatalf("exploit event %+v", ex)
	}
	// After Finish the request's checks are no-ops.
	if err := r.CheckSQL("sqlite", "SELECT * FROM users WHERE name = 'x' OR '1'='1'"); err != nil {
		t.Errorf("check after Finish: %v", err)
	}
}

func TestCheckExecShellScript(t *testing.T) {
	r := raspRequest(t, rampart.ModeBlock, &eventtest.Recorder{}, "/ping?host=a.example%7Cid")
	defer r.Finish(200)
	if err := r.CheckExec([]string{"/bin/bash", "-lc", "ping -c 1 a.example|id"}); !errors.Is(err, rampart.ErrBlocked) {
		t.Fatalf("bash -lc with an injected pipe: %v", err)
	}
	if err := r.CheckExec([]string{"ping", "-c", "1", "a.example"}); err != nil {
		t.Fatalf("benign argv: %v", err)
	}
}

func TestChecksWithoutRequest(t *testing.T) {
	ctx := context.Background()
	for _, err := range []error{
		rampart.CheckSQL(ctx, "sqlite", "SELECT 1 OR 1=1"), rampart.CheckURL(ctx, "http://127.0.0.1/"),
		rampart.CheckShell(ctx, "id; id"), rampart.CheckExec(ctx, []string{"sh", "-c", "id"}), rampart.CheckFile(ctx, "/etc/passwd"),
	} {
		if err != nil {
			t.Errorf("check without a request: %v", err)
		}
	}
}

func TestConcurrentSinkChecks(t *testing.T) {
	x := &eventtest.Recorder{}
	r := raspRequest(t, rampart.ModeMonitor, x, "/users?name=x%27%20OR%20%271%27%3D%271")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_ = r.CheckSQL("sqlite", "SELECT * FROM users WHERE name = 'x' OR '1'='1'")
			}
		}()
	}
	wg.Wait()
	r.Finish(200)
	n := 0
	for _, e := range x.Events() {
		if e.Type == event.TypeExploit {
			n++
		}
	}
	if n != 400 {
		t.Errorf("%d exploit events, want 400", n)
	}
}

func BenchmarkCheckSQL(b *testing.B) {
	stmt := "SELECT id, name, email FROM users WHERE name = 'alice' AND created_at > now() - interval '7 days' ORDER BY id LIMIT 50"
	b.Run("no-input-in-statement", func(b *testing.B) {
		r := raspRequest(b, rampart.ModeBlock, rampart.ExporterFunc(func(*event.Event) {}), "/users?page=2&sort=created_at-desc&q=quarterly+report")
		b.ReportAllocs()
		for b.Loop() {
			_ = r.CheckSQL("postgresql", stmt)
		}
	})
	b.Run("input-in-1KB-statement", func(b *testing.B) {
		long := stmt + " /* " + strings.Repeat("padding ", 110) + "*/"
		r := raspRequest(b, rampart.ModeBlock, rampart.ExporterFunc(func(*event.Event) {}), "/users?name=alice")
		b.ReportAllocs()
		b.SetBytes(int64(len(long)))
		for b.Loop() {
			_ = r.CheckSQL("postgresql", long)
		}
	})
}

var _ = rules.Default

// BenchmarkSinkChecks measures each sink's check through a request's
// security context, with the request's inputs absent from the resource (the
// common case) and present in it.
func BenchmarkSinkChecks(b *testing.B) {
	nop := rampart.ExporterFunc(func(*event.Event) {})
	for _, c := range []struct {
		name, target string
		check        func(*rampart.Request) error
	}{
		{"url/no-input", "/p?page=2&q=quarterly+report", func(r *rampart.Request) error {
			return r.CheckURL("https://api.example.com/v1/orders?limit=50&cursor=abc")
		}},
		{"url/input-in-path", "/p?id=order-12345", func(r *rampart.Request) error {
			return r.CheckURL("https://api.example.com/v1/orders/order-12345/items")
		}},
		{"shell/no-input", "/p?page=2&q=quarterly+report", func(r *rampart.Request) error {
			return r.CheckShell("tar -czf /tmp/backup.tgz /srv/data --exclude=cache")
		}},
		{"shell/input-in-command", "/p?host=db.example.com", func(r *rampart.Request) error {
			return r.CheckShell("ping -c 1 db.example.com")
		}},
		{"exec/input-as-argument", "/p?file=report.txt", func(r *rampart.Request) error {
			return r.CheckExec([]string{"/usr/bin/wc", "-c", "report.txt"})
		}},
		{"file/no-input", "/p?page=2&q=quarterly+report", func(r *rampart.Request) error {
			return r.CheckFile("/srv/app/templates/index.html")
		}},
		{"file/input-in-path", "/p?name=reports/q3.txt", func(r *rampart.Request) error {
			return r.CheckFile("/srv/app/files/reports/q3.txt")
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := raspRequest(b, rampart.ModeBlock, nop, c.target)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.check(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
