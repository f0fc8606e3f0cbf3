package echo_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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
