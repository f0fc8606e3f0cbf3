package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip"
	"github.com/rampartsec/rampart/collector/geoip/geoiptest"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/ui"
	"github.com/rampartsec/rampart/event"
)

// testGeoDB opens a City and an ASN database, written by geoiptest, that
// know 81.2.69.0/24 (United Kingdom, AS64500), 2a02:1::/32 (Germany,
// AS64501), and also the private and loopback ranges, which the UI must
// never look up.
func testGeoDB(t *testing.T) *geoip.DB {
	t.Helper()
	city := geoiptest.Write(t, "GeoLite2-City.mmdb", "GeoLite2-City",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.69.0/24"), Record: geoiptest.Country("GB", "United Kingdom")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("2a02:1::/32"), Record: geoiptest.Country("DE", "Germany")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Record: geoiptest.Country("XX", "Private Land")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("127.0.0.0/8"), Record: geoiptest.Country("XX", "Private Land")},
	)
	asn := geoiptest.Write(t, "GeoLite2-ASN.mmdb", "GeoLite2-ASN",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.0.0/16"), Record: geoiptest.ASN(64500, `Example <Net> & "Co"`)},
		geoiptest.Network{Prefix: netip.MustParsePrefix("2a02:1::/32"), Record: geoiptest.ASN(64501, "Example v6")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Record: geoiptest.ASN(64999, "Private Net")},
	)
	db, err := geoip.Open(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newEnvGeo is newEnv with the UI's IP databases.
func newEnvGeo(t *testing.T, db *geoip.DB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: log, Rate: collector.Rate{PerSecond: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Bootstrap(ctx, adminToken, []string{ingestKey}); err != nil {
		t.Fatal(err)
	}
	web, err := ui.New(ctx, ui.Config{Store: st, Logger: log, PasswordIterations: 1000, RefuseDecision: srv.RefuseDecision, GeoIP: db})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, srv: srv, web: web, http: httptest.NewServer(web.Handler(srv.Handler()))}
	t.Cleanup(func() {
		e.http.Close()
		srv.Close(context.Background())
		st.Close()
	})
	return e
}

const (
	ukCountry = `<span class="tag tag-geo ipcountry" title="country, from the IP database">United Kingdom (GB)</span>`
	ukASN     = `<span class="tag tag-geo ipasn" title="network, from the IP database">AS64500 Example &lt;Net&gt; &amp; &#34;Co&#34;</span>`
	deCountry = `<span class="tag tag-geo ipcountry" title="country, from the IP database">Germany (DE)</span>`
	deASN     = `<span class="tag tag-geo ipasn" title="network, from the IP database">AS64501 Example v6</span>`
)

// ipFactOf returns the ipfact span rendered beside ip in a row of the
// overview's top IPs.
func ipFactOf(t *testing.T, body, ip string) string {
	t.Helper()
	m := regexp.MustCompile(`<td><code>` + regexp.QuoteMeta(ip) + `</code></td><td>(<span class="ipfact".*?)</td>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the overview does not list %s among its top IPs", ip)
	}
	return m[1]
}

// TestGeoIPFacts: with IP databases, the overview, a signal and a
// campaign show the country and the network of an attacker's address,
// escaped; an address the databases do not know and the operator's own
// addresses get none.
func TestGeoIPFacts(t *testing.T) {
	e := newEnvGeo(t, testGeoDB(t))
	now := time.Now().UTC()
	e.ingest("shop", attackEvent(now.Add(-time.Minute), "81.2.69.142", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "2a02:1::7", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "9.9.9.9", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "10.1.2.3", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "127.0.0.1", "xss-001", "<script>", "", "<script>"))
	adm := e.admin()
	_, body := adm.get("/?range=1h")
	if f := ipFactOf(t, body, "81.2.69.142"); !strings.Contains(f, ukCountry+" "+ukASN) {
		t.Errorf("the overview's 81.2.69.142: %s; want its country and ASN", f)
	}
	if f := ipFactOf(t, body, "2a02:1::7"); !strings.Contains(f, deCountry+" "+deASN) {
		t.Errorf("the overview's 2a02:1::7: %s; want its country and ASN", f)
	}
	for _, ip := range []string{"9.9.9.9", "10.1.2.3", "127.0.0.1"} {
		if f := ipFactOf(t, body, ip); strings.Contains(f, "tag-geo") {
			t.Errorf("the overview's %s: %s; want no country or ASN", ip, f)
		}
	}
	if strings.Contains(body, "Private") {
		t.Error("a private or loopback address was looked up")
	}

	// the signal of the attack: all its IPs with their facts
	p, err := e.store.Signals(context.Background(), collector.SignalQuery{IP: "81.2.69.142"})
	if err != nil || len(p.Signals) != 1 {
		t.Fatal(p, err)
	}
	_, body = adm.get("/signals/" + p.Signals[0].ID)
	facts := regexp.MustCompile(`<dd id="ip-facts">.*?</dd>`).FindString(body)
	if !strings.Contains(facts, `<code>81.2.69.142</code> <span class="ipfact" data-kind="public"><span class="tag tag-public">public</span> `+ukCountry+" "+ukASN) ||
		strings.Contains(facts, "Private") {
		t.Errorf("the signal's IP facts: %s", facts)
	}

	// a campaign: the IPs of its logins
	var logins []*event.Event
	for i := range 6 {
		logins = append(logins, loginEvent(now.Add(time.Duration(i)*time.Second), event.TypeLoginFailure, "81.2.69.7", "alice", true))
	}
	logins = append(logins, loginEvent(now.Add(7*time.Second), event.TypeLoginFailure, "10.9.9.9", "bob", false))
	e.ingest("auth-api", logins...)
	key := "ato\x1fgeo"
	if err := e.store.RecordSignals(context.Background(), []collector.Signal{{Key: key, Type: collector.SignalCredentialStuffing,
		Severity: collector.SeverityHigh, Title: "stuffing", Service: "auth-api", FirstSeen: now, LastSeen: now.Add(8 * time.Second),
		IPs: []string{"81.2.69.7", "10.9.9.9"}, Count: 7}}); err != nil {
		t.Fatal(err)
	}
	_, body = adm.get("/signals/" + collector.SignalID(key))
	row := regexp.MustCompile(`(?s)<tr><td><code>81\.2\.69\.7</code> <span class="ipfact".*?</tr>`).FindString(body)
	if !strings.Contains(row, ukCountry+" "+ukASN) {
		t.Errorf("the campaign's login IP 81.2.69.7: %q; want its country and ASN", row)
	}
	if row := regexp.MustCompile(`(?s)<tr><td><code>10\.9\.9\.9</code> <span class="ipfact".*?</tr>`).FindString(body); row == "" || strings.Contains(row, "tag-geo") {
		t.Errorf("the campaign's login IP 10.9.9.9: %q; want it listed without a country", row)
	}
}

// TestNoGeoIPFacts: without databases, no country or network is shown.
func TestNoGeoIPFacts(t *testing.T) {
	e := newEnv(t)
	e.ingest("shop", attackEvent(time.Now().UTC().Add(-time.Minute), "81.2.69.142", "xss-001", "<script>", "", "<script>"))
	_, body := e.admin().get("/?range=1h")
	if f := ipFactOf(t, body, "81.2.69.142"); strings.Contains(f, "tag-geo") {
		t.Errorf("without a database: %s", f)
	}
}
