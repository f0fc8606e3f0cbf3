package geoip_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/rampartsec/rampart/collector/geoip"
	"github.com/rampartsec/rampart/collector/geoip/geoiptest"
)

// testDBs writes a City and an ASN database: 81.2.69.0/24 in the United
// Kingdom (with 81.2.69.128/25 in Ireland), 2001:db8:1::/48 in Germany,
// AS64500 for 81.2.0.0/16 and AS64501 for 2001:db8::/32.
func testDBs(t *testing.T) (city, asn string) {
	city = geoiptest.Write(t, "city.mmdb", "GeoLite2-City",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.69.0/24"), Record: geoiptest.Country("GB", "United Kingdom")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.69.128/25"), Record: geoiptest.Country("IE", "Ireland")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("2001:db8:1::/48"), Record: geoiptest.Country("DE", "Germany")},
		// only where it is registered
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.70.0/24"), Record: map[string]any{
			"registered_country": map[string]any{"iso_code": "FR", "names": map[string]any{"en": "France"}}}},
	)
	asn = geoiptest.Write(t, "asn.mmdb", "GeoLite2-ASN",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.0.0/16"), Record: geoiptest.ASN(64500, "Example Net <b>&")},
		geoiptest.Network{Prefix: netip.MustParsePrefix("2001:db8::/32"), Record: geoiptest.ASN(64501, "Example v6")},
	)
	return city, asn
}

// TestLookupEnterprise: a GeoIP2-Enterprise record has its network among
// its traits.
func TestLookupEnterprise(t *testing.T) {
	p := geoiptest.Write(t, "enterprise.mmdb", "GeoIP2-Enterprise",
		geoiptest.Network{Prefix: netip.MustParsePrefix("2a02:2::/32"), Record: geoiptest.Merge(geoiptest.Country("NL", "Netherlands"),
			map[string]any{"traits": geoiptest.Merge(geoiptest.ASN(64510, "Enterprise Net"), map[string]any{"connection_type": "Cable/DSL"})})})
	db, err := geoip.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := geoip.Info{Country: "NL", CountryName: "Netherlands", ASN: 64510, ASOrg: "Enterprise Net"}
	if got := db.Lookup(netip.MustParseAddr("2a02:2::9")); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// TestWriterMakesValidDatabases checks the test writer against the
// reader's own verifier.
func TestWriterMakesValidDatabases(t *testing.T) {
	city, asn := testDBs(t)
	for _, p := range []string{city, asn} {
		r, err := maxminddb.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Verify(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		r.Close()
	}
}

func TestLookup(t *testing.T) {
	city, asn := testDBs(t)
	db, err := geoip.Open(city, asn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		ip   string
		want geoip.Info
	}{
		{"81.2.69.142", geoip.Info{Country: "IE", CountryName: "Ireland", ASN: 64500, ASOrg: "Example Net <b>&"}},
		{"81.2.69.1", geoip.Info{Country: "GB", CountryName: "United Kingdom", ASN: 64500, ASOrg: "Example Net <b>&"}},
		{"::ffff:81.2.69.1", geoip.Info{Country: "GB", CountryName: "United Kingdom", ASN: 64500, ASOrg: "Example Net <b>&"}},
		{"81.2.70.5", geoip.Info{Country: "FR", CountryName: "France", ASN: 64500, ASOrg: "Example Net <b>&"}},
		{"81.2.1.1", geoip.Info{ASN: 64500, ASOrg: "Example Net <b>&"}}, // in the ASN file only
		{"2001:db8:1::7", geoip.Info{Country: "DE", CountryName: "Germany", ASN: 64501, ASOrg: "Example v6"}},
		{"2001:db8:2::7", geoip.Info{ASN: 64501, ASOrg: "Example v6"}},
		{"9.9.9.9", geoip.Info{}},
		{"2606:4700::1", geoip.Info{}},
	} {
		if got := db.Lookup(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.ip, got, c.want)
		}
	}
	for _, c := range []struct {
		p    string
		want geoip.Info
	}{
		{"81.2.69.0/25", geoip.Info{Country: "GB", CountryName: "United Kingdom", ASN: 64500, ASOrg: "Example Net <b>&"}},
		{"81.2.69.0/24", geoip.Info{ASN: 64500, ASOrg: "Example Net <b>&"}}, // two countries
		{"81.0.0.0/8", geoip.Info{}},
		{"2001:db8:1:2::/64", geoip.Info{Country: "DE", CountryName: "Germany", ASN: 64501, ASOrg: "Example v6"}},
	} {
		if got := db.LookupPrefix(netip.MustParsePrefix(c.p)); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.p, got, c.want)
		}
	}
	if d := db.Describe(); !strings.Contains(d, "city.mmdb (GeoLite2-City, built 2026-01-01)") || !strings.Contains(d, "asn.mmdb (GeoLite2-ASN, built") {
		t.Errorf("Describe: %q", d)
	}
	var none *geoip.DB
	if got := none.Lookup(netip.MustParseAddr("81.2.69.1")); !got.Empty() {
		t.Errorf("nil DB: %+v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.mmdb")
	os.WriteFile(notDB, []byte("this is not a MaxMind DB"), 0o644)
	empty := filepath.Join(dir, "empty.mmdb")
	os.WriteFile(empty, nil, 0o644)
	city, _ := testDBs(t)
	for _, p := range []string{filepath.Join(dir, "missing.mmdb"), notDB, empty, dir} {
		db, err := geoip.Open(city, p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s): %v, %v; want an error naming it", p, db, err)
		}
	}
	if _, err := geoip.Open(); err == nil {
		t.Error("Open(): no error")
	}
}

func BenchmarkLookup(b *testing.B) {
	city := geoiptest.Write(b, "city.mmdb", "GeoLite2-City",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.69.0/24"), Record: geoiptest.Country("GB", "United Kingdom")})
	asn := geoiptest.Write(b, "asn.mmdb", "GeoLite2-ASN",
		geoiptest.Network{Prefix: netip.MustParsePrefix("81.2.0.0/16"), Record: geoiptest.ASN(64500, "Example Net")})
	db, err := geoip.Open(city, asn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	a := netip.MustParseAddr("81.2.69.142")
	for b.Loop() {
		if db.Lookup(a).ASN == 0 {
			b.Fatal("not found")
		}
	}
}
