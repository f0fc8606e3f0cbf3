package ssrf

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

var rows = []struct {
	name    string
	url     string
	input   string
	exploit bool
}{
	{"whole url loopback", "http://127.0.0.1:8080/admin", "http://127.0.0.1:8080/admin", true},
	{"whole url public", "https://api.github.com/repos", "https://api.github.com/repos", false},
	{"host decimal", "http://2130706433/x", "2130706433", true},
	{"host hex", "http://0x7f000001/x", "0x7f000001", true},
	{"host octal", "http://0177.0.0.1/x", "0177.0.0.1", true},
	{"host short", "http://127.1/x", "127.1", true},
	{"host mapped", "http://[::ffff:127.0.0.1]/x", "[::ffff:127.0.0.1]", true},
	{"host metadata name", "http://metadata.google.internal/x", "metadata.google.internal", true},
	{"host fullwidth", "http://１２７．０．０．１/x", "１２７．０．０．１", true},
	{"host percent", "http://%31%32%37.0.0.1/x", "%31%32%37.0.0.1", true},
	{"host trailing dot", "http://localhost./x", "localhost.", true},
	{"host single label", "http://redis:6379/", "redis:6379", true},
	{"host public ip", "https://8.8.8.8/x", "8.8.8.8", false},
	{"host public name", "https://www.example.com/x", "www.example.com", false},
	{"userinfo trick", "http://example.com@127.0.0.1/", "http://example.com@127.0.0.1/", true},
	{"backslash trick", `http://127.0.0.1\@example.com/`, `http://127.0.0.1\@example.com/`, true},
	{"missing scheme", "169.254.169.254/latest/meta-data/", "169.254.169.254/latest/meta-data/", true},
	{"label moved authority", "https://127.0.0.1#.cdn.example.com/a.png", "127.0.0.1#", true},
	{"tenant label", "https://tenant42.cdn.example.com/a.png", "tenant42", false},
	{"label of internal parent", "http://admin.svc.local/a", "admin", false},
	{"port of internal host", "http://localhost:6379/", "6379/", true},
	{"gopher", "gopher://localhost:25/_HELO", "gopher://localhost:25/_HELO", true},
	{"ftp public", "ftp://ftp.example.com/pub/f.txt", "ftp://ftp.example.com/pub/f.txt", true},
	{"file no slashes", "file:/etc/passwd", "file:/etc/passwd", true},
	{"file url empty host", "file:///srv/data/x.txt", "/srv/data/x.txt", false},
	{"file url localhost", "file://localhost/etc/passwd", "file://localhost/etc/passwd", true},
	{"scheme word only", "file:///srv/data/file/x.txt", "file", false},
	{"scheme from input", "gopher://internal.example/x", "gopher:", true},
	{"tab in host", "http://127.0.\t0.1/x", "127.0.\t0.1", true},
	{"fixed ftp scheme path", "ftp://ftp.example.com/pub/report.txt", "report.txt", false},
	{"path segment", "http://orders.svc.cluster.local/api/orders/order-9f8e", "order-9f8e", false},
	{"path traversal", "https://x.example.com/v1/users/../admin/profile", "../admin", true},
	{"path traversal encoded", "https://x.example.com/v1/users/%2e%2e%2fadmin/profile", "%2e%2e%2fadmin", true},
	{"path traversal tomcat", "https://x.example.com/v1/users/..;/admin", "..;/admin", true},
	{"path traversal backslash", `https://x.example.com/v1/users/..\admin`, `..\admin`, true},
	{"path dots stay", "https://x.example.com/v1/users/x/../y/profile", "x/../y", false},
	{"path dots in name", "https://x.example.com/v1/users/a..b/profile", "a..b", false},
	{"app climbs itself", "https://x.example.com/a/b/hello/../../../x", "hello", false},
	{"query value raw url", "http://internal.example/api/fetch?u=http://127.0.0.1/", "http://127.0.0.1/", false},
	{"query traversal", "https://s.example.com/api?q=../../etc/passwd", "../../etc/passwd", false},
	{"input absent", "http://127.0.0.1/", "evil.example", false},
	{"short input", "http://0/", "0", false},
}

func TestCheckRows(t *testing.T) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			f, ok := Check(r.url, []string{"unrelated-value", r.input})
			if ok != r.exploit {
				t.Fatalf("Check(%q, %q) = %v %+v, want %v", r.url, r.input, ok, f, r.exploit)
			}
			if ok && (f.Input != r.input || f.Reason == "") {
				t.Fatalf("finding %+v", f)
			}
		})
	}
}

func TestInternal(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1",
		"[::1]", "[::ffff:127.0.0.1]", "[::ffff:a9fe:a9fe]", "169.254.169.254", "[fd00:ec2::254]",
		"metadata.google.internal", "metadata", "10.1.2.3", "172.31.0.1", "192.168.0.1",
		"[fc00::1]", "[fe80::1%25eth0]", "0", "0x7f.1", "LOCALHOST", "a.localhost",
		"100.100.100.200", "[::127.0.0.1]", "[64:ff9b::10.0.0.1]", "[2002:7f00:1::]",
		"00000000177.0.0.1", "0X7F.0.0.1", "127.0.0.1."} {
		if _, ok := Internal(h); !ok {
			t.Errorf("Internal(%q) = false", h)
		}
	}
	for _, h := range []string{"8.8.8.8", "example.com", "172.32.0.1", "[2606:4700::1111]",
		"1.1.1.1", "08.0.0.1", "256.1.1.1", "127.0.0.1.example.com", "", "[::ffff:8.8.8.8]",
		"4294967296", "www.gov.uk"} {
		if r, ok := Internal(h); ok {
			t.Errorf("Internal(%q) = %q", h, r)
		}
	}
	if !InternalIP(netip.MustParseAddr("::ffff:10.0.0.1")) || InternalIP(netip.MustParseAddr("9.9.9.9")) {
		t.Error("InternalIP")
	}
}

// Floors measured on the shared corpus (regression checks).
const (
	recallFloor = 1.0
	maxFP       = 0
)

func TestCorpus(t *testing.T) {
	cases := corpus.RASP(t, "http")
	var exp, hit, fp int
	for _, c := range cases {
		f, ok := Check(c.Resource, []string{c.Input})
		switch c.Label {
		case "exploit":
			exp++
			if ok {
				hit++
			} else {
				t.Logf("missed %s: %q in %q", c.ID, c.Input, c.Resource)
			}
		case "benign":
			if ok {
				fp++
				t.Logf("false positive %s: %q in %q: %s", c.ID, c.Input, c.Resource, f.Reason)
			}
		}
	}
	recall := float64(hit) / float64(exp)
	t.Logf("http: %d cases, recall %d/%d = %.4f, false positives %d", len(cases), hit, exp, recall, fp)
	if recall < recallFloor || fp > maxFP {
		t.Fatalf("recall %.4f (floor %.4f), false positives %d (ceiling %d)", recall, recallFloor, fp, maxFP)
	}
}

func TestNoAllocWhenAbsent(t *testing.T) {
	u := "https://internal-api.example.com/v1/users/42/profile?x=1"
	in := []string{"alice@example.com", "some search text", "0x7f000001"}
	if n := testing.AllocsPerRun(100, func() { Check(u, in) }); n != 0 {
		t.Fatalf("allocs = %v", n)
	}
}

func BenchmarkCheckAbsent(b *testing.B) {
	u := "https://internal-api.example.com/v1/users/42/profile?x=1&y=" + strings.Repeat("a", 900)
	in := []string{"alice@example.com", "some search text", "0x7f000001", "session-token-123"}
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		Check(u, in)
	}
}

func BenchmarkCheckHost(b *testing.B) {
	u := "http://0x7f000001:6379/" + strings.Repeat("a", 1000)
	in := []string{"0x7f000001:6379"}
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		Check(u, in)
	}
}

func BenchmarkCheckPath(b *testing.B) {
	u := "https://x.example.com/v1/users/x/../y/" + strings.Repeat("seg/", 240) + "profile"
	in := []string{"x/../y"}
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		Check(u, in)
	}
}

func TestCheckResolved(t *testing.T) {
	loop := netip.MustParseAddr("127.0.0.1")
	meta := netip.MustParseAddr("169.254.169.254")
	pub := netip.MustParseAddr("203.0.113.9")
	for _, c := range []struct {
		url, input string
		ip         netip.Addr
		want       bool
	}{
		{"http://rebind.attacker.test/x", "rebind.attacker.test", loop, true},
		{"http://rebind.attacker.test:8080/x", "http://rebind.attacker.test:8080/x", meta, true},
		{"http://rebind.attacker.test/x", "rebind.attacker.test", pub, false},
		{"http://api.internal.test/users/alice", "alice", loop, false},            // input only fills the path
		{"http://tenant-a.api.test/x", "tenant-a", loop, false},                   // a label, not the whole host
		{"http://abc.test/x", "abc", loop, false},                                 // shorter than MinInput
		{"https://files.example.test/?u=rebind.test", "rebind.test", loop, false}, // in the query
	} {
		_, got := CheckResolved(c.url, []string{c.input}, c.ip)
		if got != c.want {
			t.Errorf("CheckResolved(%q, %q, %v) = %v, want %v", c.url, c.input, c.ip, got, c.want)
		}
	}
}
