package echo_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rampartsec/rampart"
	rampartecho "github.com/rampartsec/rampart/contrib/echo"
	"github.com/rampartsec/rampart/internal/eventtest"
)

func TestEchoPathParamsAndRoute(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rec, Service: "svc", Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := echo.New()
	r.Use(rampartecho.New(a))
	r.GET("/users/:id", func(c echo.Context) error {
		w, r := c.Response(), c.Request()
		if rampart.FromContext(r.Context()) == nil {
			http.Error(w, "no security context", 500)
			return nil
		}
		_, _ = io.WriteString(w, "user "+c.Param("id"))
		return nil
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
// the handler blocks, and the client gets rampart's block response, both
// when the handler writes anyway and when it returns the error.
func TestEchoBlockInsideTheHandler(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor, Exporter: rec, Service: "svc", Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Use(rampartecho.New(a))
	check := func(c echo.Context) error {
		id, _ := url.PathUnescape(c.Param("id")) // echo's params are escaped when the path was
		return rampart.CheckSQL(c.Request().Context(), "sqlite", "SELECT name FROM users WHERE id = '"+id+"'")
	}
	e.GET("/writes/:id", func(c echo.Context) error {
		err := check(c)
		return c.JSON(200, map[string]any{"query_error": err != nil, "secret": "table dump"})
	})
	e.GET("/returns/:id", func(c echo.Context) error {
		if err := check(c); err != nil {
			return err
		}
		return c.String(200, "ok")
	})
	srv := httptest.NewServer(e)
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
	if code, body := get("/writes/42"); code != 200 || !strings.Contains(body, `"query_error":false`) {
		t.Fatalf("benign: %d %q", code, body)
	}
	if code, body := get("/returns/42"); code != 200 || body != "ok" {
		t.Fatalf("benign: %d %q", code, body)
	}
	for _, route := range []string{"/writes/:id", "/returns/:id"} {
		path := strings.Replace(route, ":id", "1%27%20OR%20%271%27%3D%271", 1)
		code, body := get(path)
		if code != 403 || strings.Contains(body, "table dump") || !strings.Contains(body, "blocked") {
			t.Fatalf("%s exploit: %d %q", route, code, body)
		}
		var exploit bool
		for _, ev := range rec.Take() {
			if ev.Exploit != nil {
				exploit = true
				if ev.Request.Route != route || !ev.Blocked {
					t.Errorf("exploit event: route %q blocked %v", ev.Request.Route, ev.Blocked)
				}
			}
		}
		if !exploit {
			t.Errorf("%s: no exploit event", route)
		}
	}
}
