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
