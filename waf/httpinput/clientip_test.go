package httpinput

import (
	"net/netip"
	"testing"
)

// ipRow is one client IP case; the rows also seed FuzzClientIP.
type ipRow struct {
	name    string
	remote  string
	headers [][2]string
	opts    *Options
	want    string // "" for the zero Addr
}

var behindLB = &Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

var ipRows = []ipRow{
	{name: "direct", remote: "203.0.113.7:1234", want: "203.0.113.7"},
	{name: "bare ip", remote: "203.0.113.7", want: "203.0.113.7"},
	{name: "ipv6 with port", remote: "[2001:db8::1]:443", want: "2001:db8::1"},
	{name: "ipv6 zone dropped", remote: "[fe80::1%eth0]:80", want: "fe80::1"},
	{name: "v4-mapped v6 unmapped", remote: "[::ffff:198.51.100.1]:80", want: "198.51.100.1"},
	{name: "garbage remote", remote: "not-an-ip", want: ""},
	{name: "empty remote", remote: "", want: ""},
	{name: "spoofed xff from untrusted peer ignored", remote: "198.51.100.9:1",
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4"}, {"X-Real-IP", "5.6.7.8"}}, want: "198.51.100.9"},
	{name: "private peer not trusted by default", remote: "10.0.0.2:1",
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4"}}, want: "10.0.0.2"},
	{name: "loopback proxy: xff believed", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4"}}, want: "1.2.3.4"},
	{name: "rightmost untrusted public wins over a spoofed left entry", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "6.6.6.6, 203.0.113.7"}}, want: "203.0.113.7"},
	{name: "trusted and private hops skipped", remote: "10.1.2.3:9", opts: behindLB,
		headers: [][2]string{{"X-Forwarded-For", "203.0.113.7, 192.168.1.1, 10.0.0.5"}}, want: "203.0.113.7"},
	{name: "repeated xff lines read last first", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "6.6.6.6"}, {"x-forwarded-for", "203.0.113.7"}}, want: "203.0.113.7"},
	{name: "garbage entries skipped", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "203.0.113.7, unknown, ' or 1=1, 999.1.1.1, "}}, want: "203.0.113.7"},
	{name: "ports and brackets in xff", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "[2001:db8::7]:8080"}}, want: "2001:db8::7"},
	{name: "ipv4 with port in xff", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "203.0.113.7:8080"}}, want: "203.0.113.7"},
	{name: "only private addresses: the rightmost untrusted", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "192.168.0.9, 10.0.0.1"}}, want: "10.0.0.1"},
	{name: "all trusted: the peer", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "127.0.0.2, ::1"}}, want: "127.0.0.1"},
	{name: "forwarded with quoted ipv6 and port", remote: "127.0.0.1:9",
		headers: [][2]string{{"Forwarded", `for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711"`}}, want: "2001:db8:cafe::17"},
	{name: "forwarded unknown and obfuscated skipped", remote: "127.0.0.1:9",
		headers: [][2]string{{"Forwarded", `for=198.51.100.17, for=unknown, for=_hidden;proto=https`}}, want: "198.51.100.17"},
	{name: "header order of preference", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Real-IP", "5.6.7.8"}, {"Forwarded", "for=9.9.9.9"}, {"X-Forwarded-For", "1.2.3.4"}}, want: "1.2.3.4"},
	{name: "next header when the first has nothing", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "garbage"}, {"True-Client-IP", "198.51.100.3"}}, want: "198.51.100.3"},
	{name: "custom header list", remote: "127.0.0.1:9", opts: &Options{ClientIPHeaders: []string{"cf-connecting-ip"}},
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4"}, {"CF-Connecting-IP", "198.51.100.4"}}, want: "198.51.100.4"},
	{name: "trust all: garbage peer, header believed", remote: "", opts: &Options{TrustAllProxies: true},
		headers: [][2]string{{"X-Forwarded-For", "198.51.100.5"}}, want: "198.51.100.5"},
	{name: "trust all: no header gives the peer", remote: "198.51.100.6:1", opts: &Options{TrustAllProxies: true}, want: "198.51.100.6"},
	{name: "empty trusted list trusts nobody", remote: "127.0.0.1:9", opts: &Options{TrustedProxies: []netip.Prefix{}},
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4"}}, want: "127.0.0.1"},
	{name: "private networks option", remote: "172.16.5.5:9", opts: &Options{TrustedProxies: PrivateNetworks()},
		headers: [][2]string{{"X-Forwarded-For", "203.0.113.7, 172.16.0.1"}}, want: "203.0.113.7"},
	{name: "cgnat and link-local not public", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "203.0.113.7, 100.64.1.1, 169.254.1.1"}}, want: "203.0.113.7"},
	{name: "unspecified, multicast and broadcast skipped", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "0.0.0.0, ::, 224.0.0.1, ff02::1, 255.255.255.255"}}, want: "127.0.0.1"},
	{name: "brackets around ipv4 rejected", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "[1.2.3.4]"}}, want: "127.0.0.1"},
	{name: "bad port rejected", remote: "127.0.0.1:9",
		headers: [][2]string{{"X-Forwarded-For", "1.2.3.4:http"}}, want: "127.0.0.1"},
}

func TestClientIP(t *testing.T) {
	for _, r := range ipRows {
		t.Run(r.name, func(t *testing.T) {
			got := ClientIP(r.remote, r.headers, r.opts)
			want := netip.Addr{}
			if r.want != "" {
				want = netip.MustParseAddr(r.want)
			}
			if got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestClientIPAllocs(t *testing.T) {
	h := [][2]string{{"Host", "x"}, {"X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.0.0.1"}}
	if n := testing.AllocsPerRun(100, func() { ClientIP("127.0.0.1:1", h, nil) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
