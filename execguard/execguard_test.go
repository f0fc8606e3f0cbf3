package execguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/execguard"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

// server runs a real process per request: /ping runs "sh -c" with the
// host concatenated in, /convert runs wc with the file as one argument.
// Each process touches a marker file, so the test sees whether it ran.
func server(t *testing.T, rec *eventtest.Recorder, marker string) *httptest.Server {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		cmd, err := execguard.Shell(r.Context(), "touch "+marker+" && echo pinging "+r.URL.Query().Get("host")) // shell line
		reply(w, cmd, err)
	})
	mux.HandleFunc("/convert", func(w http.ResponseWriter, r *http.Request) {
		cmd, err := execguard.Command(r.Context(), "sh", "-c", "touch \"$0\"; wc -c -- \"$1\"", marker, r.URL.Query().Get("file")) // argv line
		reply(w, cmd, err)
	})
	mux.HandleFunc("/run", func(w http.ResponseWriter, r *http.Request) {
		cmd, err := execguard.Command(r.Context(), r.URL.Query().Get("prog"), "--version") // exec line
		reply(w, cmd, err)
	})
	srv := httptest.NewServer(httpguard.New(a, mux))
	t.Cleanup(srv.Close)
	return srv
}

func reply(w http.ResponseWriter, cmd interface{ Output() ([]byte, error) }, err error) {
	if errors.Is(err, rampart.ErrBlocked) {
		http.Error(w, "blocked", http.StatusForbidden)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	out, err := cmd.Output()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Write(out)
}

func TestRealProcesses(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte("hello"), 0o600)
	rec := &eventtest.Recorder{}
	srv := server(t, rec, marker)
	for _, c := range []struct {
		path, param, value string
		blocked            bool
		line               string
	}{
		{"/ping", "host", "example.com", false, ""},
		{"/ping", "host", "127.0.0.1", false, ""},
		{"/ping", "host", "example.com; touch " + marker + ".pwned", true, lineOf(t, "// shell line")},
		{"/ping", "host", "$(id)", true, lineOf(t, "// shell line")},
		{"/ping", "host", "x`uname`", true, lineOf(t, "// shell line")},
		{"/convert", "file", in, false, ""},
		{"/convert", "file", "--files0-from=/etc/passwd", true, lineOf(t, "// argv line")},
		{"/run", "prog", "/bin/sh", true, lineOf(t, "// exec line")},
	} {
		os.Remove(marker)
		resp, err := http.Get(srv.URL + c.path + "?" + c.param + "=" + url.QueryEscape(c.value))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		_, statErr := os.Stat(marker)
		ran := statErr == nil
		if c.blocked {
			if resp.StatusCode != http.StatusForbidden || ran {
				t.Errorf("%s %q: status %d, process ran %v; want blocked before it starts", c.path, c.value, resp.StatusCode, ran)
			}
			ex := rec.LastExploit()
			if ex.Location == nil || !strings.HasSuffix(ex.Location.File+":"+itoa(ex.Location.Line), c.line) || ex.Input != c.value {
				t.Errorf("%s %q: exploit %+v at %+v, want %s", c.path, c.value, ex, ex.Location, c.line)
			}
		} else if resp.StatusCode != 200 || !ran {
			t.Errorf("%s %q: status %d, ran %v; want 200", c.path, c.value, resp.StatusCode, ran)
		}
	}
	if _, err := os.Stat(marker + ".pwned"); err == nil {
		t.Error("the injected command ran")
	}
}

// lineOf returns "execguard_test.go:N" for the line holding marker.
func lineOf(t *testing.T, marker string) string {
	b, err := os.ReadFile("execguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, marker) {
			return "execguard_test.go:" + itoa(i+1)
		}
	}
	t.Fatalf("no line ends with %q", marker)
	return ""
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestNoRequest(t *testing.T) {
	cmd, err := execguard.Shell(context.Background(), "echo a; echo b")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cmd.Output(); err != nil || string(out) != "a\nb\n" {
		t.Fatalf("%q %v", out, err)
	}
}
