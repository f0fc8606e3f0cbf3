package gin_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rampartsec/rampart"
	rampartgin "github.com/rampartsec/rampart/contrib/gin"
	"github.com/rampartsec/rampart/internal/eventtest"
)

func TestGinPathParamsAndRoute(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rec, Service: "svc", Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(rampartgin.New(a))
	r.GET("/users/:id", func(c *gin.Context) {
		w, r := c.Writer, c.Request
		if rampart.FromContext(r.Context()) == nil {
			http.Error(w, "no security context", 500)
			return
		}
		_, _ = io.WriteString(w, "user "+c.Param("id"))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	get := func(path string) (int, string, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if code, _, body := get("/users/42"); code != 200 || body != "user 42" {
		t.Fatalf("benign: %d %q", code, body)
	}
	code, ct, body := get("/users/1%27%20OR%20%271%27%3D%271")
	if code != 403 || ct != "application/json" {
		t.Fatalf("attack: %d %s %q", code, ct, body)
	}
	evs := rec.Take()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if got := evs[0].Request.Route; got != "/users/:id" {
		t.Errorf("route %q", got)
	}
	found := false
	for _, tr := range evs[0].Triggers {
		if tr.Address == "server.request.path_params" && slices.Contains(tr.KeyPath, "id") {
			found = true
		}
	}
	if !found {
		t.Errorf("no trigger on the id path parameter: %+v", evs[0].Triggers)
	}
}

// An exploit inside the handler: the WAF only monitors, the SQL check in
// the handler blocks, and the client gets rampart's block response instead
// of what the handler went on to write.
func TestGinBlockInsideTheHandler(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor, Exporter: rec, Service: "svc", Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(rampartgin.New(a))
	r.GET("/users/:id", func(c *gin.Context) {
		err := rampart.CheckSQL(c.Request.Context(), "sqlite", "SELECT name FROM users WHERE id = '"+c.Param("id")+"'")
		// A handler that ignores the verdict and writes anyway.
		c.JSON(200, gin.H{"query_error": err != nil, "secret": "table dump"})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/users/42"); code != 200 || body != `{"query_error":false,"secret":"table dump"}` {
		t.Fatalf("benign: %d %q", code, body)
	}
	code, body := get("/users/1%27%20OR%20%271%27%3D%271")
	if code != 403 || strings.Contains(body, "table dump") || !strings.Contains(body, "blocked") {
		t.Fatalf("exploit: %d %q", code, body)
	}
	var exploit bool
	for _, ev := range rec.Take() {
		if ev.Exploit != nil {
			exploit = true
			if ev.Request.Route != "/users/:id" || !ev.Blocked {
				t.Errorf("exploit event: route %q blocked %v", ev.Request.Route, ev.Blocked)
			}
		}
	}
	if !exploit {
		t.Error("no exploit event")
	}
}
