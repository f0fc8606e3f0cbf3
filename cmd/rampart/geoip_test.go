//go:build !lambdaext

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip/geoiptest"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/lambdatest"
)

// TestServeGeoIP: with RAMPART_GEOIP_DB naming a City and an ASN file,
// `rampart serve` says it uses them and its overview names an attacker's
// country and network.
func TestServeGeoIP(t *testing.T) {
	city := geoiptest.Write(t, "GeoLite2-City.mmdb", "GeoLite2-City",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.69.0/24"), Record: geoiptest.Country("GB", "United Kingdom")})
	asn := geoiptest.Write(t, "GeoLite2-ASN.mmdb", "GeoLite2-ASN",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.0.0/16"), Record: geoiptest.ASN(64500, "Example Net")})
	t.Setenv("RAMPART_GEOIP_DB", city+", "+asn)
	t.Setenv("RAMPART_ADMIN_TOKEN", testAdmin)
	t.Setenv("RAMPART_INGEST_KEYS", testIngest)
	ctx, cancel := context.WithCancel(context.Background())
	var out lambdatest.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, &out, ready) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, out.String())
	}
	want := "rampart: the UI names the country and network of addresses from " + city + " (GeoLite2-City, built 2026-01-01), " +
		asn + " (GeoLite2-ASN, built 2026-01-01)\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("the startup lines do not say %q:\n%s", want, out.String())
	}
	at := time.Now().UTC().Add(-time.Minute)
	body, _ := collector.EncodeBatch("geo-1", "shop", "prod", []*event.Event{{Type: event.TypeAttack, Time: at, Mode: "monitor", Version: "0.1.0",
		Request:  &event.Request{Method: "GET", URI: "/search?q=x", ClientIP: "81.2.69.142"},
		Triggers: []event.Trigger{{RuleID: "xss-001", Category: "xss", Address: "server.request.query", KeyPath: []string{"q"}, Value: "<script>"}}}})
	if code, err := post(base, body); err != nil || code != http.StatusAccepted {
		t.Fatalf("POST /v1/events: %d %v", code, err)
	}
	page := adminGet(t, base, "/?range=1h")
	if !strings.Contains(page, "United Kingdom (GB)</span>") || !strings.Contains(page, "AS64500 Example Net</span>") {
		t.Errorf("the overview does not name 81.2.69.142's country and network:\n%s", page)
	}
}

// adminGet logs in to the UI as admin and gets path.
func adminGet(t *testing.T, base, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(u string) string {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get(base + "/login"))
	if m == nil {
		t.Fatal("no CSRF token on /login")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {"admin"}, "password": {testAdmin}, "csrf": {m[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return get(base + path)
}

// TestServeGeoIPBadFile: a database that cannot be opened stops the start
// with an error naming the variable and the file.
func TestServeGeoIPBadFile(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.mmdb")
	os.WriteFile(junk, []byte("not a database"), 0o644)
	for _, p := range []string{filepath.Join(dir, "missing.mmdb"), junk} {
		t.Setenv("RAMPART_GEOIP_DB", p)
		var out lambdatest.Buffer
		ready := make(chan string, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, &out, ready)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "RAMPART_GEOIP_DB") || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v; want a startup error naming it", p, err)
		}
		if len(ready) > 0 {
			t.Errorf("%s: the collector served", p)
		}
	}
}
