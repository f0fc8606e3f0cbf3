package operator

import "testing"

func TestIsInternalURLNumber(t *testing.T) {
	op, _ := newIsInternalURL(Params{})
	if _, ok := op.Eval(Value{Kind: Number, Num: 2130706433}); ok {
		t.Error("a number matched")
	}
}

func FuzzIsInternalURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1/", "//[::1]/", "http://a@b@10.1/", "ws:\\\\x", "http://[", "x:" + string(make([]byte, 40))} {
		f.Add(s)
	}
	op, _ := newIsInternalURL(Params{})
	f.Fuzz(func(t *testing.T, s string) {
		host, ok := op.Eval(Value{Kind: String, Bytes: []byte(s)})
		if ok && host == "" {
			t.Fatalf("%q matched with an empty highlight", s)
		}
		if len(host) > len(s) {
			t.Fatalf("%q: highlight %q longer than the value", s, host)
		}
	})
}

// TestIsInternalURLToken checks that a random token starting with "//"
// (a Base64 nonce) is no URL of a single-label host, while intranet names
// in one case still are.
func TestIsInternalURLToken(t *testing.T) {
	op, _ := newIsInternalURL(Params{})
	for s, want := range map[string]bool{
		"//nsr1WVq7HDjMGj3LJRp/S2l2M=": false,
		"//vWB96ks3N1Py8q3G0/BA==":     false,
		"http://FILESRV01/share":       true,
		"//wiki/":                      true,
		"http://internalportal2024/":   true,
	} {
		if _, ok := op.Eval(Value{Kind: String, Bytes: []byte(s)}); ok != want {
			t.Errorf("%q: matched %v, want %v", s, ok, want)
		}
	}
}
