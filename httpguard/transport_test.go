package httpguard_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/internal/nettest"
	"github.com/rampartsec/rampart/waf/rules"
)

func TestOutgoingRequests(t *testing.T) {
	var hits sync.Map // path → count on the "internal" service
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(int))
		*n.(*int)++
		fmt.Fprint(w, "internal:"+r.URL.Path)
	}))
	defer internal.Close()
	_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())
	// A "public" site, played by a loopback listener, that redirects to
	// the internal service.
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+port+"/secret", http.StatusFound)
	}))
	defer redirector.Close()
	dialer := &nettest.Loopback{Stand: map[string]string{"203.0.113.20:80": redirector.Listener.Addr().String()}}
	client := httpguard.NewClient(dialer.Dialer(nettest.Resolver{"api.upstream.test": "127.0.0.1", "rebind.attacker.test": "127.0.0.1",
		"public.example.test": "203.0.113.10", "redirect.example.test": "203.0.113.20"}))
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(w http.ResponseWriter, r *http.Request, target string) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", target, nil)
		resp, err := client.Do(req) // fetch line
		if errors.Is(err, rampart.ErrBlocked) {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/fetch", func(w http.ResponseWriter, r *http.Request) { fetch(w, r, r.URL.Query().Get("url")) })
	mux.HandleFunc("/proxy", func(w http.ResponseWriter, r *http.Request) {
		fetch(w, r, "http://api.upstream.test:"+port+"/"+r.URL.Query().Get("path"))
	})
	srv := httptest.NewServer(httpguard.New(a, mux))
	defer srv.Close()

	for _, c := range []struct {
		route, param, value string
		status              int
		reason              string
	}{
		{"/proxy", "path", "users/alice", 200, ""},                                 // the app's own upstream, on loopback
		{"/proxy", "path", "../admin", 403, "path traversal"},                      // climbs above the path
		{"/fetch", "url", "http://127.0.0.1:" + port + "/secret", 403, "loopback"}, // host chosen by the input
		{"/fetch", "url", "http://[::ffff:127.0.0.1]:" + port + "/secret", 403, "loopback"},
		{"/fetch", "url", "http://2130706433:" + port + "/secret", 403, "loopback"},    // decimal spelling
		{"/fetch", "url", "http://169.254.169.254/latest/meta-data/", 403, "metadata"}, // never dialed
		{"/fetch", "url", "gopher://127.0.0.1:" + port + "/_x", 403, "scheme"},
		{"/fetch", "url", "http://rebind.attacker.test:" + port + "/secret", 403, "resolves to an internal"}, // DNS rebinding, caught at dial
		{"/fetch", "url", "http://redirect.example.test/go", 403, "resolves to an internal"},                 // a public URL redirecting inside
	} {
		resp, err := http.Get(srv.URL + c.route + "?" + c.param + "=" + url.QueryEscape(c.value))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %q: %d %s, want %d", c.route, c.value, resp.StatusCode, b, c.status)
			continue
		}
		if c.status == 403 {
			ex := rec.LastExploit()
			if ex.Detector != "ssrf" || !strings.Contains(ex.Reason, c.reason) || ex.Location == nil || !strings.HasSuffix(ex.Location.File, "transport_test.go") {
				t.Errorf("%q: exploit %+v at %+v", c.value, ex, ex.Location)
			}
		}
	}
	if n, ok := hits.Load("/secret"); ok {
		t.Errorf("the internal service was reached %d times", *n.(*int))
	}
	if len(dialer.Refused()) != 0 {
		t.Errorf("dials off loopback were attempted: %v", dialer.Refused())
	}
	// A public name the input chose, resolving to a public address, passes the checks
	// and reaches the dialer (which refuses it: this test sends nothing off the machine).
	resp, err := http.Get(srv.URL + "/fetch?url=" + url.QueryEscape("http://public.example.test/page"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || len(dialer.Refused()) != 1 || dialer.Refused()[0] != "203.0.113.10:80" {
		t.Errorf("public URL: status %d, refused dials %v", resp.StatusCode, dialer.Refused())
	}
}
