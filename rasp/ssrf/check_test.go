package ssrf

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// pair is an exploit and a benign value of the same shape: each fills the
// slot {} of its template (the benign template is the exploit's when
// empty), and is the request input.
type pair struct {
	name          string
	tmpl, exploit string
	btmpl, benign string
}

func (p pair) urls() (eu, bu string) {
	bt := p.btmpl
	if bt == "" {
		bt = p.tmpl
	}
	return strings.Replace(p.tmpl, "{}", p.exploit, 1), strings.Replace(bt, "{}", p.benign, 1)
}

var pairs = []pair{
	// The whole host from the input: internal (any spelling) or not.
	{"host loopback", "http://{}/x", "127.0.0.1", "", "203.0.113.7"},
	{"host decimal", "http://{}/x", "2130706433", "", "134744072"},
	{"host hex", "http://{}/x", "0x7f000001", "", "0x08080808"},
	{"host octal", "http://{}/x", "0177.0.0.1", "", "010.010.010.010"},
	{"host short form", "http://{}/x", "127.1", "", "8.8"},
	{"host mapped", "http://{}/x", "[::ffff:127.0.0.1]", "", "[::ffff:8.8.8.8]"},
	{"host mapped hex", "https://{}/path", "[::ffff:a9fe:a9fe]", "", "[::ffff:808:808]"},
	{"host ipv6 in brackets", "http://[{}]/x", "::1", "", "2606:4700::1111"},
	{"host nat64", "http://{}/x", "[64:ff9b::a9fe:a9fe]", "", "[64:ff9b::808:808]"},
	{"host fullwidth", "http://{}/x", "１２７．０．０．１", "", "８．８．８．８"},
	{"host percent", "http://{}/x", "%31%32%37.0.0.1", "", "%38.8.8.8"},
	{"host circled letters", "http://{}/x", "ⓛⓞⓒⓐⓛⓗⓞⓢⓣ", "", "ⓔⓧⓐⓜⓟⓛⓔ.ⓒⓞⓜ"},
	{"host trailing dot", "http://{}/x", "localhost.", "", "example.com."},
	{"host unspecified 1 byte", "http://{}:8080/x", "0", "", "a.io"},
	{"host single label", "http://{}:6379/", "redis", "", "redis.io"},
	{"host azure wireserver", "http://{}/machine", "168.63.129.16", "", "168.63.129.61"},
	{"host gcp metadata", "http://{}/computeMetadata/v1/", "metadata.google.internal", "", "metadata.google.com"},
	{"host gcp short name", "http://{}/computeMetadata/v1/", "metadata", "", "metadata.example"},
	{"host aws instance-data", "http://{}/latest/meta-data/", "instance-data", "", "instance-data.example.org"},
	{"host tencent metadata", "http://{}/latest/meta-data/", "metadata.tencentyun.com", "", "cloud.tencent.com"},
	{"host .internal", "http://{}/x", "billing.internal", "", "billing.example"},
	{"host .local", "http://{}/x", "printer.local", "", "printer.example"},
	{"host .localhost", "http://{}/x", "app.localhost", "", "app.localhost.example"},
	{"host nip.io dotted", "http://{}/x", "127.0.0.1.nip.io", "", "203.0.113.1.nip.io"},
	{"host nip.io prefix label", "http://{}/x", "app.192.168.1.5.nip.io", "", "app.nip.io"},
	{"host nip.io hex", "http://{}/x", "app-7f000001.nip.io", "", "app-08080808.nip.io"},
	{"host sslip.io dashed", "http://{}/x", "10-0-0-1.sslip.io", "", "8-8-8-8.sslip.io"},
	{"host sslip.io ipv6", "http://{}/x", "--1.sslip.io", "", "2606-4700--1111.sslip.io"},
	{"host localtest.me", "http://{}/x", "www.localtest.me", "", "www.example.me"},
	{"host lvh.me", "http://{}:3000/x", "lvh.me", "", "lwn.net"},
	{"host oob testing", "https://{}/x", "abc.oastify.com", "", "abc.example.com"},
	{"host and port", "http://{}/", "127.0.0.1:6379", "", "example.com:6379"},
	{"host missing scheme", "{}", "169.254.169.254/latest/meta-data/", "", "203.0.113.9/latest/meta-data/"},
	{"host tab", "http://{}/x", "127.0.\t0.1", "", "example.\tcom"},

	// The input supplies the end of the host the application began.
	{"registrable domain after prefix", "http://api{}", ".evil.example/path", "http://api.example.com{}", "/path"},
	{"registrable domain after label", "http://x.{}/v1", "evil.example", "http://{}.x.example/v1", "evil"},
	{"tld and path after host", "https://blabla{}", ".com/path", "https://blabla.com{}", "/path"},
	{"domain with port", "https://internal-website{}", ".evil.com:42/path/to/stuffs?", "https://internal-website.com{}", "/path/to/stuffs?"},

	// The input moves the application's host text out of the host.
	{"fragment moves authority", "https://{}.cdn.example.com/a.png", "127.0.0.1#", "", "tenant42"},
	{"slash moves authority", "https://{}.cdn.example.com/a.png", "evil.example/", "", "tenant-7"},
	{"query moves authority", "https://{}.cdn.example.com/a.png", "evil.example?", "", "eu-west"},
	{"backslash moves authority", "https://{}.cdn.example.com/a.png", `evil.example\`, "", "demo"},
	{"short fragment", "https://{}.cdn.example.com/a.png", "a#", "", "a"},
	{"short backslash", "https://{}.cdn.example.com/a.png", `b\`, "", "b"},
	{"port separator in host", "https://{}.api.example.com/", "x:", "", "x-1"},
	{"at after host", "https://api.example.com{}/v1", "@evil.example", "", "/beta"},
	{"at inside label slot", "https://api.{}.example.com/", "x@evil.example#", "", "x-evil"},
	{"port of application host", "https://api.example.com{}/v1", ":8443", "", "/8443"},
	{"port of internal host", "http://localhost:{}/", "6379", "http://localhost:8080/{}", "6379"},
	{"short port of internal host", "http://10.0.0.5:{}/", "22", "http://10.0.0.5:8080/{}", "22"},

	// Userinfo and parser differentials in a whole URL.
	{"userinfo trick", "{}", "http://example.com@127.0.0.1/", "", "http://127.0.0.1.example.com/"},
	{"backslash trick", "{}", `http://127.0.0.1\@example.com/`, "", `http://example.com/\@127.0.0.1`},
	{"double at", "{}", "http://a@example.com@10.0.0.1/", "", "http://a@example.com/@10.0.0.1"},

	// The scheme, judged by the allow list.
	{"scheme gopher", "{}//internal.example/x", "gopher:", "", "https:"},
	{"scheme file", "{}", "file:///etc/passwd", "", "https://example.com/etc/passwd"},
	{"scheme dict", "{}", "dict://example.com:11211/stat", "", "http://example.com:11211/stat"},
	{"scheme ldap", "{}", "ldap://example.com/o=x", "", "https://example.com/o=x"},
	{"scheme jar", "{}", "jar:http://example.com/a.jar!/x", "", "http://example.com/a.jar!/x"},
	{"scheme netdoc", "{}", "netdoc:///etc/passwd", "", "https://example.com/etc/passwd"},
	{"scheme php", "{}", "php://filter/resource=index", "", "https://filter.example/resource=index"},
	{"scheme data", "{}", "data:text/plain,hi", "", "https://example.com/text/plain,hi"},
	{"scheme ftp", "{}", "ftp://ftp.example.com/pub/f.txt", "", "https://ftp.example.com/pub/f.txt"},
	{"scheme file localhost", "{}", "file://localhost/etc/passwd", "", "https://localhost.example/etc/passwd"},
	{"scheme word only", "{}:///srv/data/x.txt", "gopher:", "file:///srv/data/{}/x.txt", "file"},

	// Paths: a traversal that climbs out of where the input was put.
	{"path traversal", "https://x.example.com/v1/users/{}/profile", "../admin", "", "x/../y"},
	{"path traversal 2 bytes", "https://x.example.com/v1/users/{}/profile", "..", "", "."},
	{"path traversal encoded", "https://x.example.com/v1/users/{}/profile", "%2e%2e%2fadmin", "", "a%2eb"},
	{"path traversal tomcat", "https://x.example.com/v1/users/{}", "..;/admin", "", "a..;b"},
	{"path traversal backslash", `https://x.example.com/v1/users/{}`, `..\admin`, "", `a..\b`},
	{"file path traversal", "file:///srv/data/{}", "../../etc/passwd", "", "reports/x.txt"},
}

func TestSSRFPairs(t *testing.T) {
	for _, p := range pairs {
		eu, bu := p.urls()
		t.Run(p.name, func(t *testing.T) {
			f, ok := Check(eu, []string{"unrelated-value", p.exploit})
			if !ok || f.Input != p.exploit || f.Reason == "" {
				t.Errorf("exploit: Check(%q, %q) = %v %+v", eu, p.exploit, ok, f)
			}
			if f, ok := Check(bu, []string{"unrelated-value", p.benign}); ok {
				t.Errorf("benign: Check(%q, %q) = %+v", bu, p.benign, f)
			}
		})
	}
}

// Benign rows with no exploit of the same shape.
var benign = []struct{ url, input string }{
	{"https://tenant42.cdn.example.com/a.png", "tenant42"},
	{"http://admin.svc.local/a", "admin"},                                          // a label of the application's own internal domain
	{"http://192.168.1.5/status", "5"},                                             // the application chose the network
	{"http://internal.example/api/fetch?u=http://127.0.0.1/", "http://127.0.0.1/"}, // a query value
	{"https://s.example.com/api?q=../../etc/passwd", "../../etc/passwd"},
	{"http://orders.svc.cluster.local/api/orders/order-9f8e", "order-9f8e"},
	{"ftp://ftp.example.com/pub/report.txt", "report.txt"}, // the application chose ftp
	{"file:///srv/data/x.txt", "/srv/data/x.txt"},
	{"https://x.example.com/a/b/hello/../../../x", "hello"}, // the application climbs itself
	{"http://127.0.0.1/", "evil.example"},                   // absent
	{"https://api.example.com/users/42/profile", "/"},
	{"https://api.example.com/users/42/profile", "m/"},
	{"https://api.example.com/users/42/profile", "com"},
	{"https://api.example.com:8443/users", ":84"},
	{"https://deploy@git.example.com/repo", "@"},
	{"https://deploy@git.example.com/repo", "y@"},
	{"https://deploy@git.example.com/repo", "y@g"},
	{"http://localhost:8080/x", ":"},
	{"https://www.example.com/", "https://www.example.com/"},            // a public URL from the user
	{"https://www.example.com/favicon.ico", "https://www.example.com/"}, // a base URL the application completes
	{"https://api.github.com/search?q=x&page=2", "x&page=2"},            // query inspection is off by default
	{"https://graph.microsoft.com/v1.0/me/calendars/base64stuff=/events", "base64stuff="},
	{"http://blablabla.comhttps://blablabla", "https"},
	{"http://172.16.87.100:1234/pouet/bla/_search?stuff=87.1", "87.1"},
	{"http://google.com/batch", "/batch"},
	{"gopher://blabla.com/path", "gopher"},
	{"https://blabla.com/random/with%2fdodgy/characters", "with%2fdodgy"}, // strict path inspection only
}

// referenceRows are the default-option rows of the reference engine's
// ssrf_detector tests (libddwaf), as URL, input and verdict.
var referenceRows = []struct {
	url, input string
	exploit    bool
}{
	{"gopher://blabla.com/path", "gopher:", true},
	{"data://blabla.com/path", "data://blabla.com", true},
	{"https://internal-website.evil.com/path/to/stuffs?bla=42", ".evil.com/path/to/stuffs?", true},
	{"https://internal-website.evil.com:42/path/to/stuffs?bla=42", ".evil.com:42/path/to/stuffs?", true},
	{"https://internal-website:4242/path/to/stuffs?bla=42", ":4242/path/to/stuffs?", true},
	{"https://blabla.com/path", ".com/path", true},
	{"http://core-goals.evil.com/v1/projects/42/goals?projectId=42&", ".evil.com/v1/projects/42/goals?", true},
	{"http://2852039166/latest/meta-data/", "2852039166/latest/meta-data/", true},
	{"https://169.254.169.254/somewhere/in/the/app", "169.254.169.254", true},
	{"https://[::ffff:a9fe:a9fe]/path", "[::ffff:a9fe:a9fe]", true},
	{"https://[::1]/path", "[::1]", true},
	{"http://[::ffff:a9fe:a9fe]/latest/meta-data/", "[::ffff:a9fe:a9fe]/latest/meta-data/", true},
	{"http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data/", "[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data/", true},
	{"https://127.1/path", "127.1", true},
	{"https://blabla.burpcollaborator.net/path", "burpcollaborator.net", true},
	{"https://localhost/path", "localhost", true},
	{"https://ifconfig.pro", "ifconfig.pro", true},
	{"https://metadata.google/private_keys/", "metadata", false},
	{"https://254.254.169.254/path", "254.254.169.254", false},
	{"https://[::ffff:fea9:a9fe]/path", "[::ffff:fea9:a9fe]", false},
	{"https://blabla.com/random/path?name=/name2", "/name2", false},
	{"https://blabla.com/random/path?name=name2#bla/name2", "/name2", false},
	{"https://blabla.com/random/path#/name2", "#/name2", false},
	{"https://blabla.com/random/path/with?param=val", "/random/path/with?param=val", false},
	{"https://blabla.com/random/path/with?param=val", "random/path/with?param=val", false},
	{"https://123.123.123.123/blablabla", "123.123.123.123", false},
	{"https://graph.microsoft.com/v1.0/me/calendars/base64stuff=/events/base64stuff2='", "base64stuff=", false},
	{"https://s3-us-west-2.amazonaws.com/xxx-hosted-content/iframe_pages/424242/path/to_file.mp3", "path/to_file.mp3", false},
	{"http://pro.orange.fr/css/fonts/opus-meteo/fonts/opus-meteo.ttf?blablabla", "fonts/opus-meteo.ttf?blablabla", false},
	{"http://threatguard-prod-tg-api.iaas.checkpoint.com/api/v1/lookalike/screenshotB64?date=2020-01-17&lookalike=base64=", "base64=", false},
	{"http://cn-cache.ryzerobotics.com/support/service-policies?cache=update&cache-gateway=1", "/support/service-policies?cache=update", false},
	{"http://s3.eu-central-1.amazonaws.com/bla/production/p/bla/blablabla.../BLABLABLA.html", "/p/bla/blablabla.../BLABLABLA", false},
	{"http://blablabla.com/api/v3/ds/data-checks", "ds/data-checks", false},
	{"http://blablabla.comhttps://blablabla", "https", false},
	{"http://172.16.87.100:1234/pouet/bla/_search?stuff=87.1", "87.1", false},
	{"tax.internal.patreon.com/services/tax/1.0/quote/batch", "patreon", false},
	{"http://bla.patreon.com/batch", "patreon.com/", false},
	{"http://google.com/batch", "batch", false},
	{"http://google.com/batch", "/batch", false},
	{"file/blabla/metadata", "blabla", false},
	{"gopher://blabla.com/path", "gopher", false},
	{"data://blabla.com/path", "data", false},
	{"https://example.com/path", "https://example.com/path", false},
	{"https://example.com/path/../in/somewhere?param=value", "https://example.com/path/../in/somewhere?param=value", false},
}

func TestSSRFReferenceRows(t *testing.T) {
	for _, r := range referenceRows {
		if f, ok := Check(r.url, []string{r.input}); ok != r.exploit {
			t.Errorf("Check(%q, %q) = %v %+v, want %v", r.url, r.input, ok, f, r.exploit)
		}
	}
}

func TestSSRFBenign(t *testing.T) {
	for _, b := range benign {
		if f, ok := Check(b.url, []string{b.input}); ok {
			t.Errorf("Check(%q, %q) = %+v", b.url, b.input, f)
		}
	}
}

// appURLs are URLs an application writes itself; no 1-3 byte piece of
// them is an exploit (the inputs that coincide with a part of them).
var appURLs = []string{
	"https://api.example.com/v1/users/42/profile?x=1&y=two#frag",
	"https://api.example.com:8443/v1/search?q=rock+roll&page=2",
	"http://10.0.0.5:8080/internal/api?id=7",
	"http://billing.internal:9000/charge",
	"https://user:pw@git.example.com/org/repo.git",
	"http://[2001:db8::1]:8080/a/b",
	"https://tenant42.cdn.example.com/img/logo@2x.png",
	"http://orders.svc.cluster.local/api/orders/order-9f8e",
	"ftp://ftp.example.com/pub/a.txt",
	"https://x.example.com/a/b/../c",
}

func TestSSRFShortInputsOfApplicationURLs(t *testing.T) {
	for _, u := range appURLs {
		for n := 1; n <= 3; n++ {
			for i := 0; i+n <= len(u); i++ {
				in := u[i : i+n]
				if strings.Contains(u, "/../") && strings.Contains(in, "..") {
					continue // the application's own ".." climbs; a coincident ".." input is reported
				}
				if f, ok := Check(u, []string{in}); ok {
					t.Errorf("Check(%q, %q) = %+v", u, in, f)
				}
			}
		}
	}
}

func TestSSRFInternal(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1",
		"[::1]", "[::ffff:127.0.0.1]", "[::ffff:a9fe:a9fe]", "169.254.169.254", "[fd00:ec2::254]",
		"metadata.google.internal", "metadata", "10.1.2.3", "172.31.0.1", "192.168.0.1",
		"[fc00::1]", "[fe80::1%25eth0]", "0", "0x7f.1", "LOCALHOST", "a.localhost",
		"100.100.100.200", "[::127.0.0.1]", "[64:ff9b::10.0.0.1]", "[2002:7f00:1::]",
		"00000000177.0.0.1", "0X7F.0.0.1", "127.0.0.1.", "168.63.129.16", "instance-data",
		"127.0.0.1.nip.io", "10-0-0-1.sslip.io", "magic-127-0-0-1.nip.io", "c0a80101.nip.io",
		"fe80--1.sslip.io", "a.b.lvh.me", "localtest.me", "x.corp", "printer.lan",
		"metadata.tencentyun.com", "x.burpcollaborator.net"} {
		if _, ok := Internal(h); !ok {
			t.Errorf("Internal(%q) = false", h)
		}
	}
	for _, h := range []string{"8.8.8.8", "example.com", "172.32.0.1", "[2606:4700::1111]",
		"1.1.1.1", "08.0.0.1", "256.1.1.1", "127.0.0.1.example.com", "", "[::ffff:8.8.8.8]",
		"4294967296", "www.gov.uk", "nip.io", "app.nip.io", "8.8.8.8.nip.io", "1-2-3.sslip.io",
		"localtest.me.example", "notlvh.me", "metadata.google.com", "168.63.129.17"} {
		if r, ok := Internal(h); ok {
			t.Errorf("Internal(%q) = %q", h, r)
		}
	}
	if !InternalIP(netip.MustParseAddr("::ffff:10.0.0.1")) || InternalIP(netip.MustParseAddr("9.9.9.9")) {
		t.Error("InternalIP")
	}
}

// TestSSRFCorpus holds the checker to floors measured on the shared
// corpus (regression checks): recall 100%, no false positive.
func TestSSRFCorpus(t *testing.T) {
	corpus.RASPRecall(t, "http", corpus.RASPFloors{Recall: 1, MaxFP: 0}, func(c corpus.RASPCase) (bool, string) {
		f, ok := Check(c.Resource, []string{c.Input})
		return ok, f.Reason
	})
}

// TestCorpusShortCoincidences: on every benign corpus URL, no 1-3 byte
// piece of the URL outside its input is reported (the engine hands the
// detector every short request string that occurs in the URL).
func TestSSRFCorpusShortCoincidences(t *testing.T) {
	cases := corpus.RASP(t, "http")
	n := 0
	for _, c := range cases {
		if c.Label != "benign" {
			continue
		}
		u := c.Resource
		in := strings.Index(u, c.Input)
		for k := 1; k <= 3; k++ {
			for i := 0; i+k <= len(u); i++ {
				if in >= 0 && i < in+len(c.Input) && i+k > in {
					continue // a piece of the input: judged as part of it
				}
				n++
				if f, ok := Check(u, []string{u[i : i+k]}); ok {
					t.Errorf("%s: Check(%q, %q) = %+v", c.ID, u, u[i:i+k], f)
				}
			}
		}
	}
	t.Logf("%d short pieces judged", n)
}

func TestSSRFNoAllocWhenAbsent(t *testing.T) {
	u := "https://internal-api.example.com/v1/users/42/profile?x=1"
	in := []string{"alice@example.com", "some search text", "0x7f000001"}
	if n := testing.AllocsPerRun(100, func() { Check(u, in) }); n != 0 {
		t.Fatalf("allocs = %v", n)
	}
}

func TestSSRFNoAllocWhenPresent(t *testing.T) {
	u := "https://tenant42.cdn.example.com/v1/users/42/profile?x=1"
	in := []string{"tenant42", "42", "x", "1", "/v1/users/", "profile"}
	if n := testing.AllocsPerRun(100, func() { Check(u, in) }); n != 0 {
		t.Fatalf("allocs = %v", n)
	}
	in = []string{"127.0.0.1.nip.io"}
	u = "http://127.0.0.1.nip.io/x"
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

// BenchmarkCheckShortInputs is the worst an attacker can make of short
// inputs: every byte value and every 2-byte piece of a 1 KB URL, each
// occurring, none an exploit.
func BenchmarkCheckShortInputs(b *testing.B) {
	u := "https://api.example.com/v1/" + strings.Repeat("ab/", 330)
	var in []string
	for i := 0; i < 256; i++ {
		in = append(in, string(rune(i&0x7f)))
	}
	for i := 0; i+2 <= 64; i++ {
		in = append(in, u[i:i+2])
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		Check(u, in)
	}
}

func TestSSRFCheckResolved(t *testing.T) {
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
		{"http://ab/x", "ab", loop, true},                                         // short, but the whole host
		{"https://files.example.test/?u=rebind.test", "rebind.test", loop, false}, // in the query
		{"http://[2001:db8::7]/x", "2001:db8::7", loop, true},                     // brackets are not the host
	} {
		_, got := CheckResolved(c.url, []string{c.input}, c.ip)
		if got != c.want {
			t.Errorf("CheckResolved(%q, %q, %v) = %v, want %v", c.url, c.input, c.ip, got, c.want)
		}
	}
}

// BenchmarkCheckRepeated is the worst found for one input: a 4 KB path of
// one literal segment in which a climbing-shaped input that does not climb
// occurs about a thousand times, each occurrence judged.
func BenchmarkCheckRepeated(b *testing.B) {
	u := "https://x.example.com/v1/" + strings.Repeat("x%2f..", 700)
	in := []string{"x%2f.."}
	if _, ok := Check(u, in); ok {
		b.Fatal("reported")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		Check(u, in)
	}
}
