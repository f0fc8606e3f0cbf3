package fsguard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/fsguard"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

func TestRealFiles(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "public")
	os.MkdirAll(filepath.Join(base, "docs"), 0o755)
	os.WriteFile(filepath.Join(base, "readme.txt"), []byte("public readme"), 0o644)
	os.WriteFile(filepath.Join(base, "docs", "guide.md"), []byte("guide"), 0o644)
	os.WriteFile(filepath.Join(root, "secret.txt"), []byte("top secret"), 0o600)
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fsguard.ReadFile(r.Context(), base+"/"+r.URL.Query().Get("name")) // file line
		if errors.Is(err, rampart.ErrBlocked) {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	srv := httptest.NewServer(httpguard.New(a, h))
	defer srv.Close()
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"readme.txt", 200, "public readme"},
		{"docs/guide.md", 200, "guide"},
		{"docs/../readme.txt", 200, "public readme"}, // stays inside the directory
		{"../secret.txt", 403, ""},
		{"docs/../../secret.txt", 403, ""},
		{"../../../../../etc/passwd", 403, ""},
	} {
		resp, err := http.Get(srv.URL + "/?name=" + url.QueryEscape(c.name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || c.body != "" && string(b) != c.body || strings.Contains(string(b), "top secret") {
			t.Errorf("%q: %d %q, want %d %q", c.name, resp.StatusCode, b, c.status, c.body)
		}
	}
	if len(rec.Exploits()) != 3 {
		t.Fatalf("%d exploits, want 3", len(rec.Exploits()))
	}
	src, _ := os.ReadFile("fsguard_test.go")
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasSuffix(l, "// file line") {
			line = i + 1
		}
	}
	for _, ex := range rec.Exploits() {
		if ex.Detector != "lfi" || ex.Location == nil || filepath.Base(ex.Location.File) != "fsguard_test.go" || ex.Location.Line != line {
			t.Errorf("exploit %+v at %+v, want fsguard_test.go:%d (the file line)", ex, ex.Location, line)
		}
	}
}

func TestNoRequest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := fsguard.WriteFile(context.Background(), p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := fsguard.ReadFile(context.Background(), p); err != nil || string(b) != "x" {
		t.Fatal(b, err)
	}
}
