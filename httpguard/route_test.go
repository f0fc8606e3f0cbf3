package httpguard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
)

// sqliPath is /users/{id} with id = 1' OR '1'='1.
const sqliPath = "/users/1%27%20OR%20%271%27%3D%271"

// users answers with the id path value and whether the security context
// was there.
func users(w http.ResponseWriter, r *http.Request) {
	if rampart.FromContext(r.Context()) == nil {
		http.Error(w, "no security context", 500)
		return
	}
	_, _ = io.WriteString(w, "user "+r.PathValue("id"))
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pathParamTrigger reports whether ev has a trigger on the path
// parameter name.
func pathParamTrigger(ev *event.Event, name string) bool {
	for _, tr := range ev.Triggers {
		if tr.Address == "server.request.path_params" && slices.Contains(tr.KeyPath, name) {
			return true
		}
	}
	return false
}

func TestServeMuxPatterns(t *testing.T) {
	cases := []struct {
		name  string
		serve func(a *rampart.Agent) http.Handler
	}{
		{"guard around the mux", func(a *rampart.Agent) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /users/{id}", users)
			return httpguard.New(a, mux)
		}},
		{"guard around the handler", func(a *rampart.Agent) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("GET /users/{id}", httpguard.New(a, http.HandlerFunc(users)))
			return mux
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &sink{}
			srv := httptest.NewServer(c.serve(newAgent(t, rampart.ModeBlock, s)))
			defer srv.Close()

			if code, body := get(t, srv.URL+"/users/42"); code != 200 || body != "user 42" {
				t.Fatalf("benign: %d %q", code, body)
			}
			code, body := get(t, srv.URL+sqliPath)
			if code != 403 {
				t.Fatalf("attack in the path: %d %q", code, body)
			}
			evs := s.Take()
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			ev := evs[0]
			if ev.Request.Route != "GET /users/{id}" {
				t.Errorf("route %q", ev.Request.Route)
			}
			if !pathParamTrigger(ev, "id") {
				t.Errorf("no trigger on the id path parameter: %+v", ev.Triggers)
			}
			// Paths the mux does not route still go through the guard.
			if code, _ := get(t, srv.URL+"/nowhere"); code != 404 {
				t.Errorf("unrouted: %d", code)
			}
		})
	}
}
