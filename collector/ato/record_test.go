package ato

import (
	"strings"
	"testing"
)

var recordRows = []struct {
	name string
	a    attempt
}{
	{"failure unknown account", attempt{exists: existsNo, ip: "203.0.113.7", login: "nobody@example.com"}},
	{"success with id", attempt{success: true, exists: existsYes, ip: "2001:db8::/64", id: "u-42", login: "Alice"}},
	{"no ip, no login", attempt{exists: existsUnknown, id: "7"}},
	{"separators inside", attempt{exists: existsYes, ip: "192.0.2.1", id: "12:\x1f3", login: "a\x1fb:4:"}},
	{"empty", attempt{exists: existsUnknown}},
}

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range recordRows {
		t.Run(r.name, func(t *testing.T) {
			got, ok := decodeAttempt(r.a.encode())
			if !ok || got != r.a {
				t.Fatalf("decode(encode(%+v)) = %+v, %v", r.a, got, ok)
			}
		})
	}
}

func TestRecordRejects(t *testing.T) {
	for _, s := range []string{"", "s", "xy1.2.3.4\x1f0:", "sq1.2.3.4\x1f0:", "sy1.2.3.4", "sy\x1f5:abc", "sy\x1f-1:", "sy\x1f01:a", "sy\x1f:abc", "sy\x1f99999999999:"} {
		if a, ok := decodeAttempt(s); ok {
			t.Errorf("decodeAttempt(%q) = %+v, want rejected", s, a)
		}
	}
}

// FuzzRecord: any value decodes without panic, and one that decodes
// re-encodes to itself; any attempt with a separator-free IP round-trips.
func FuzzRecord(f *testing.F) {
	for _, r := range recordRows {
		f.Add(r.a.encode(), r.a.ip, r.a.id, r.a.login, r.a.success)
	}
	f.Add("sy\x1f3:abcdef", "", "", "", false)
	f.Fuzz(func(t *testing.T, s, ip, id, login string, success bool) {
		if a, ok := decodeAttempt(s); ok {
			if back := a.encode(); back != s {
				t.Fatalf("decode(%q) = %+v re-encodes to %q", s, a, back)
			}
		}
		if strings.IndexByte(ip, 0x1f) >= 0 {
			return
		}
		a := attempt{success: success, exists: existsNo, ip: ip, id: id, login: login}
		got, ok := decodeAttempt(a.encode())
		if !ok || got != a {
			t.Fatalf("round trip of %+v: %+v, %v", a, got, ok)
		}
	})
}
