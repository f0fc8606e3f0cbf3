package ssrf

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheck: Check never panics, is deterministic, reports only an input
// that occurs in the URL, reports nothing when the input is absent, and
// nothing for an input that only fills a query value or a subdomain label
// placed before the application's own domain (unless it holds a character
// that ends a label or the authority). Short inputs are seeded from the
// pairs and the application URLs.
func FuzzCheck(f *testing.F) {
	for _, p := range pairs {
		eu, bu := p.urls()
		f.Add(eu, p.exploit)
		f.Add(bu, p.benign)
	}
	for _, u := range appURLs {
		f.Add(u, u[len(u)/2:len(u)/2+1])
		f.Add(u, u[8:10])
	}
	f.Fuzz(func(t *testing.T, u, in string) {
		f1, ok1 := Check(u, []string{in})
		f2, ok2 := Check(u, []string{in})
		if ok1 != ok2 || f1 != f2 {
			t.Fatalf("not deterministic: %v %+v / %v %+v", ok1, f1, ok2, f2)
		}
		if ok1 && (f1.Input != in || !strings.Contains(u, in) || f1.Reason == "") {
			t.Fatalf("bad finding %+v for %q in %q", f1, in, u)
		}
		Internal(u)
		Internal(in)
		if in == "" {
			return
		}
		// An input that only fills a query value is never reported.
		prefix := "https://api.example.com/search?q="
		q := prefix + in
		if strings.Index(q, in) == len(prefix) {
			if f, ok := Check(q, []string{in}); ok {
				t.Fatalf("query value %q reported: %s", in, f.Reason)
			}
		}
		// A label before the application's domain, made of label
		// characters, is never reported.
		if !strings.ContainsAny(in, "@/\\?#:%[]. \t\r\n") && !strings.ContainsFunc(in, func(r rune) bool { return r >= 0x80 }) {
			l := "https://" + in + ".tenants.example.com/a"
			if strings.Index(l, in) == len("https://") && strings.LastIndex(l, in) == len("https://") {
				if f, ok := Check(l, []string{in}); ok {
					t.Fatalf("label %q reported: %s", in, f.Reason)
				}
			}
		}
	})
}

// FuzzCheckResolved: the dial-time check never reports a public address,
// and what it reports is an input that occurs in the URL.
func FuzzCheckResolved(f *testing.F) {
	f.Add("http://rebind.attacker.test/x", "rebind.attacker.test", "127.0.0.1")
	f.Add("http://a.test:8080/p?q=1", "a.test:8080", "169.254.169.254")
	f.Add("https://user@h.example/", "h.example", "::ffff:10.0.0.1")
	f.Add("//x.test\\y", "x.test", "fd00:ec2::254")
	f.Add("http://ab/", "ab", "10.0.0.1")
	f.Fuzz(func(t *testing.T, u, in, ip string) {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return
		}
		fd, ok := CheckResolved(u, []string{in}, addr)
		if ok && !InternalIP(addr) {
			t.Fatalf("reported a public address %v", addr)
		}
		if ok && (fd.Input != in || !strings.Contains(u, in)) {
			t.Fatalf("finding %+v for input %q in %q", fd, in, u)
		}
		if _, pub := CheckResolved(u, []string{in}, netip.MustParseAddr("203.0.113.9")); pub {
			t.Fatal("reported a public address")
		}
	})
}
