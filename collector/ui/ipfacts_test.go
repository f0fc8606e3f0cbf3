package ui

import (
	"net/netip"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip"
	"github.com/rampartsec/rampart/collector/geoip/geoiptest"
)

func TestFactsOf(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ds := []collector.Decision{
		{Kind: collector.BlockIP, Value: "198.51.100.0/24", ExpiresAt: now.Add(time.Hour)},
		{Kind: collector.BlockIP, Value: "3.3.3.3", ExpiresAt: now.Add(-time.Hour)}, // expired
		{Kind: collector.ChallengeIP, Value: "3.3.3.3"},
		{Kind: collector.BlockUser, Value: "3.3.3.3"}, // a user, not the address
	}
	ips := []string{"127.0.0.1", "::1", "10.1.2.3", "192.168.0.9", "fe80::1", "169.254.169.254", "198.51.100.7", "3.3.3.3",
		"104.16.1.1", "2606:4700::1", "100.64.1.1", "::ffff:10.0.0.1", "not-an-ip", "10.0.0.0/8", "9.9.9.9"}
	signals := map[string]int64{"198.51.100.7": 3, "10.0.0.0/8": 1, "9.9.9.8": 5}
	fs := factsOf(ips, ds, signals, now, nil)
	want := []struct {
		kind, owner string
		decisions   int
		blocked     bool
		blockable   bool
		signals     int64
	}{
		{"loopback", "", 0, false, false, 0},
		{"loopback", "", 0, false, false, 0},
		{"private", "", 0, false, false, 0},
		{"private", "", 0, false, false, 0},
		{"link-local", "", 0, false, false, 0},
		{"link-local", "", 0, false, false, 0},
		{"documentation", "", 1, true, false, 3},
		{"public", "Amazon", 2, false, true, 0},
		{"public", "Cloudflare", 0, false, true, 0},
		{"public", "Cloudflare", 0, false, true, 0},
		{"shared (carrier-grade NAT)", "", 0, false, true, 0},
		{"private", "", 0, false, false, 0},
		{"", "", 0, false, false, 0},
		{"private", "", 0, false, false, 1},
		{"public", "", 0, false, true, 0}, // 9.9.9.9: not 9.9.9.8's
	}
	for i, w := range want {
		f := fs[i]
		if f.IP != ips[i] || f.Kind != w.kind || f.Owner != w.owner || f.Decisions != w.decisions || f.Blocked != w.blocked || f.Blockable != w.blockable ||
			f.Signals != w.signals {
			t.Errorf("%s: %+v, want %+v", ips[i], f, w)
		}
	}
	if fs[8].Via != "proxy" || fs[7].Via != "cloud" {
		t.Errorf("via: %q %q", fs[8].Via, fs[7].Via)
	}
}

func TestIPRangesParse(t *testing.T) {
	if n := len(ipRanges()); n < 20 {
		t.Fatalf("%d ranges parsed from ipranges.txt", n)
	}
	for _, r := range ipRanges() {
		if r.kind != "cloud" && r.kind != "proxy" || r.owner == "" {
			t.Errorf("%v: kind %q owner %q", r.prefix, r.kind, r.owner)
		}
	}
}

// TestFactsOfGeo: with a database, the country and the network of each
// address that is not the operator's own; of a prefix, only what holds
// for all of it.
func TestFactsOfGeo(t *testing.T) {
	all := []geoiptest.Network{{Prefix: netip.MustParsePrefix("0.0.0.0/1"), Record: geoiptest.Merge(geoiptest.Country("NL", "Netherlands"), geoiptest.ASN(64502, "Everywhere"))},
		{Prefix: netip.MustParsePrefix("128.0.0.0/1"), Record: geoiptest.Merge(geoiptest.Country("NL", "Netherlands"), geoiptest.ASN(64502, "Everywhere"))},
		{Prefix: netip.MustParsePrefix("2000::/3"), Record: geoiptest.Country("SE", "Sweden")},
		{Prefix: netip.MustParsePrefix("fc00::/7"), Record: geoiptest.Country("SE", "Sweden")},
		{Prefix: netip.MustParsePrefix("fe80::/10"), Record: geoiptest.Country("SE", "Sweden")},
		{Prefix: netip.MustParsePrefix("3.3.3.0/24"), Record: geoiptest.Country("US", "")}}
	db, err := geoip.Open(geoiptest.Write(t, "all.mmdb", "GeoIP2-ISP", all...))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ips := []string{"127.0.0.1", "10.1.2.3", "::ffff:10.0.0.1", "169.254.169.254", "fd00::1", "fe80::1", "10.0.0.0/8", "0.0.0.0",
		"9.9.9.9", "::ffff:9.9.9.9", "3.3.3.3", "3.3.0.0/16", "3.3.3.0/28", "2606:4700::1", "9.9.9.9", "not-an-ip"}
	fs := factsOf(ips, nil, nil, time.Now(), db)
	nl := geoip.Info{Country: "NL", CountryName: "Netherlands", ASN: 64502, ASOrg: "Everywhere"}
	want := []geoip.Info{{}, {}, {}, {}, {}, {}, {}, {}, nl, nl, {Country: "US"}, {}, // 3.3.0.0/16 holds networks of two records
		{Country: "US"}, {Country: "SE", CountryName: "Sweden"}, nl, {}}
	for i, w := range want {
		if fs[i].Geo != w {
			t.Errorf("%s: %+v, want %+v", ips[i], fs[i].Geo, w)
		}
	}
	if c, n := fs[8].Country(), fs[8].Network(); c != "Netherlands (NL)" || n != "AS64502 Everywhere" {
		t.Errorf("9.9.9.9 shown as %q, %q", c, n)
	}
	if c, n := fs[13].Country(), fs[13].Network(); c != "Sweden (SE)" || n != "" {
		t.Errorf("2606:4700::1 shown as %q, %q", c, n)
	}
	if c := fs[10].Country(); c != "US" {
		t.Errorf("3.3.3.3 shown as %q", c)
	}
}
