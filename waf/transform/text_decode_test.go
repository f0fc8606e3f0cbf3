package transform

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	mrand "math/rand/v2"
	"testing"
)

func TestBase64Text(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{base64.StdEncoding.EncodeToString([]byte("' or 1=1 union select password from users--")), "' or 1=1 union select password from users--", true},
		{base64.RawStdEncoding.EncodeToString([]byte("<script>alert(1)</script>")), "<script>alert(1)</script>", true},
		{base64.URLEncoding.EncodeToString([]byte("??>>?? ; cat /etc/passwd")), "??>>?? ; cat /etc/passwd", true},
		{base64.RawURLEncoding.EncodeToString([]byte("??>>?? ; cat /etc/passwd")), "??>>?? ; cat /etc/passwd", true},
		{"c2VsZWN0", "select", true}, // MinBase64Length: 8 characters, 6 bytes
		{"c2Vs", "", false},          // shorter than MinBase64Length, and no metacharacter
		{"fGlk", "|id", true},        // a command fragment: MinShortBase64Length
		{"OyBpZA==", "; id", true},
		{"Jzw9Jw==", "'<='", true}, // two metacharacters
		{"dGVzdA==", "", false},    // "test": letters alone
		{"DSVL", "", false},        // "\r%K": a control character
		{"ZnJ1aXQ", "", false},     // "fruit"
		{"RHINOCEROS", "", false},  // a word in capitals decodes to junk with a bare CR
		{base64.StdEncoding.EncodeToString([]byte("caf\xe9 au lait, cr\xe8me br\xfbl\xe9e")), "caf\xe9 au lait, cr\xe8me br\xfbl\xe9e", true},                                                                                 // Latin-1
		{base64.StdEncoding.EncodeToString([]byte("..\xc0\xaf..\xc0\xaf..\xc0\xafetc/passwd")), "..\xc0\xaf..\xc0\xaf..\xc0\xafetc/passwd", true},                                                                             // overlong
		{base64.StdEncoding.EncodeToString([]byte("\xe0\x80\xae\xe0\x80\xae\xe0\x80\xafetc\xe0\x80\xafpasswd")), "\xe0\x80\xae\xe0\x80\xae\xe0\x80\xafetc\xe0\x80\xafpasswd", true},                                           // three-byte overlong
		{base64.StdEncoding.EncodeToString([]byte("..\xf8\x80\x80\x80\xaf..\xf8\x80\x80\x80\xafwindows\xf8\x80\x80\x80\xafwin.ini")), "..\xf8\x80\x80\x80\xaf..\xf8\x80\x80\x80\xafwindows\xf8\x80\x80\x80\xafwin.ini", true}, // five-byte overlong
		{base64.StdEncoding.EncodeToString([]byte("ab\xe0\x85\xaecd\xe0\x80\x41fghijklmnop")), "", false},                                                                                                                     // E0 that encodes no ASCII, a lead without its continuation
		{base64.StdEncoding.EncodeToString([]byte("ab\x00cd\xe9fgh\xffijklmnop")), "", false},                                                                                                                                 // not UTF-8 and a NUL
		{"aGVsbG8gd29ybGQgaGVsbG8=x", "", false},        // not base64
		{"aGVsbG8gd29yb=GQgaGVsbG8", "", false},         // padding inside
		{"d41d8cd98f00b204e9800998ecf8427e", "", false}, // a hash decodes to binary
		{"normal sentence with spaces", "", false},
	} {
		got, ok := Base64Text(nil, []byte(tc.in))
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("Base64Text(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBase64Binary(t *testing.T) {
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"..\xc1\x1c..\xc1\x1c..\xc1\x1cetc\xc1\x1cpasswd", true},
		{".\x00.\xc0%qf.\x00.\xc0%qfetc\xc0%qfissue", true},
		{"\xc0\xae\xc0\xae\xc0%qfetc\xc0%qfissue", true},
		{"..\x01/..\x01/..\x01/etc/issue", true},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", false}, // binary
		{"\xc0.\xc0.\xc0/", false},                                     // shorter than MinBinaryText
		{"\x01\x02\x03\x04\x05\x06ab\x07\x08\x09\x0a\x0b\x0c", false},
	} {
		enc := base64.StdEncoding.EncodeToString([]byte(tc.raw))
		got, ok := Base64Binary(nil, []byte(enc))
		if ok != tc.ok || ok && string(got) != tc.raw {
			t.Errorf("Base64Binary(%q) = %q, %v; want %v", enc, got, ok, tc.ok)
		}
	}
	if _, ok := Base64Binary(nil, []byte("not base64!")); ok {
		t.Error("Base64Binary accepted a value outside the alphabet")
	}
}

// TestBase64BinaryRandom bounds how often random tokens decode as mostly
// printable bytes (see Base64Binary for the arithmetic).
func TestBase64BinaryRandom(t *testing.T) {
	for _, tc := range []struct {
		size  int
		bound float64
	}{{12, 0.07}, {24, 0.02}, {48, 0.003}} {
		const tries = 40000
		n := 0
		b := make([]byte, tc.size)
		for i := 0; i < tries; i++ {
			rand.Read(b)
			if _, ok := Base64Binary(nil, []byte(base64.RawURLEncoding.EncodeToString(b))); ok {
				n++
			}
		}
		if float64(n) > tc.bound*tries {
			t.Errorf("%d of %d random %d-byte tokens decoded as mostly printable, more than %.1f%%", n, tries, tc.size, 100*tc.bound)
		}
	}
}

// TestBase64TextRandom checks that random tokens of every size are not
// taken for text.
func TestBase64TextRandom(t *testing.T) {
	n := 0
	for size := 12; size <= 4096; size++ {
		b := make([]byte, size)
		rand.Read(b)
		for _, s := range []string{base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b), hex.EncodeToString(b)} {
			if _, ok := Base64Text(nil, []byte(s)); ok {
				n++
			}
		}
	}
	// Random bytes are valid UTF-8 text with a probability that falls
	// exponentially with their length: a few of the shortest may pass.
	if n > 5 {
		t.Errorf("%d random tokens decoded as text", n)
	}
}

// TestBase64TextShortRandom bounds how often short random tokens (8 to 15
// characters, the lengths MinBase64Length admits below the old 16) decode
// to text.
func TestBase64TextShortRandom(t *testing.T) {
	const tries = 20000
	n := 0
	for i := range tries {
		b := make([]byte, 6+i%6)
		rand.Read(b)
		if _, ok := Base64Text(nil, []byte(base64.RawURLEncoding.EncodeToString(b))); ok {
			n++
		}
	}
	// About 1.5% by the arithmetic of IsText on random bytes; 3% fails.
	if n > tries*3/100 {
		t.Errorf("%d of %d short random tokens decoded as text", n, tries)
	}
}

// TestBase64TextShortTokens bounds how often random tokens of 4 to 7
// characters (below MinBase64Length, where only command fragments count)
// decode to text.
func TestBase64TextShortTokens(t *testing.T) {
	const tries = 20000
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	n := 0
	for i := range tries {
		b := make([]byte, 4+i%4)
		rand.Read(b)
		for j := range b {
			b[j] = alnum[int(b[j])%len(alnum)]
		}
		if _, ok := Base64Text(nil, b); ok {
			n++
		}
	}
	// A letter and a metacharacter in 3 to 5 printable bytes: about 0.9%
	// by the arithmetic of the alphabet; 1.5% fails.
	if n > tries*15/1000 {
		t.Errorf("%d of %d short random tokens decoded as a command fragment", n, tries)
	}
}

func TestEscapedText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`\x3cscript\x3ealert(1)\x3c/script\x3e`, "<script>alert(1)</script>", true},
		{`\u003cscript\u003ealert(1)`, "<script>alert(1)", true},
		{`%u003cscript%u003ealert(1)`, "<script>alert(1)", true},
		{`%27%20or%201%3D1--x`, "' or 1=1--x", true},
		{`\u00e9t\u00e9 en France, oui`, "été en France, oui", true},
		{`&#x27;&#x20;or&#x20;1=1--&#x20;-`, "' or 1=1-- -", true},
		{`&#39;&#32;union&#32;select&#32;1`, "' union select 1", true},
		{`&#x3c;script&#x3e;alert(1)`, "<script>alert(1)", true},
		{`&#60&#115&#99&#114&#105&#112&#116`, "<script", true}, // no semicolons
		{`Tom &amp; Jerry &# and &#xZZ; stay`, "", false},      // no numeric reference
		{`&#1114112; is past the last code point`, "", false},
		{`plain text without escapes`, "", false},
		{`%00%01%02%03%04%05%06%07`, "", false},   // control characters
		{`%80%81%82%83 and then more`, "", false}, // continuation bytes alone: not text
	} {
		got, ok := EscapedText(nil, []byte(tc.in))
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("EscapedText(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestJWTPayload(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"' or 1=1--"}`)) + "." + enc([]byte("sig0123456789"))
	for _, in := range []string{tok, "Bearer " + tok} {
		got, ok := JWTPayload(nil, []byte(in))
		if !ok || string(got) != `{"sub":"' or 1=1--"}` {
			t.Errorf("JWTPayload(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"eyJhbGciOi.x", "abc.def.ghi.jkl.mno", "eyJ" + tok[3:] + ".more", "eyJhbGciOiJIUzI1NiJ9..sig"} {
		if got, ok := JWTPayload(nil, []byte(in)); ok {
			t.Errorf("JWTPayload(%q) = %q, want no payload", in, got)
		}
	}
}

// FuzzTextDecoders checks the decoders' contracts on any input: dst's
// prefix is kept, the result is empty unless it is valid UTF-8 text, and
// it is no longer than the input (escapes and Base64 only shrink).
func FuzzTextDecoders(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("' union select 1,2,3--"))))
	f.Add([]byte(`\x3cscript\x3e\u0061lert(1)%u0028%29`))
	f.Add([]byte("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln"))
	f.Add([]byte("d41d8cd98f00b204e9800998ecf8427e"))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("..\xc0\xaf..\xc0\xafetc/passwd"))))
	f.Add([]byte("c2VsZWN0"))
	f.Add([]byte("fGlk"))
	f.Add([]byte("Jzw9Jw=="))
	f.Add([]byte(`&#x27;&#39;&#60&#1114112;&#xZZ;&#`))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("\xc0\xae\xc0\xae\xc0%qfetc\xc0%qfissue"))))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("..\xe0\x80\xae\xf8\x80\x80\x80\xafetc\xfc\x80\x80\x80\x80\xafpasswd"))))
	f.Fuzz(func(t *testing.T, in []byte) {
		// Base64Forms is Base64Text, else Base64Binary, decoding once.
		dt, okt := Base64Text(nil, in)
		db, okb := Base64Binary(nil, in)
		df, text, bin := Base64Forms([]byte("p"), in)
		switch {
		case text != okt || bin != (okb && !okt):
			t.Fatalf("Base64Forms(%q) = text %v, binary %v; Base64Text %v, Base64Binary %v", in, text, bin, okt, okb)
		case text && string(df[1:]) != string(dt), bin && string(df[1:]) != string(db), !text && !bin && string(df) != "p":
			t.Fatalf("Base64Forms(%q) = %q", in, df)
		}
		for name, fn := range map[string]func([]byte, []byte) ([]byte, bool){
			"Base64Text": Base64Text, "EscapedText": EscapedText, "JWTPayload": JWTPayload,
		} {
			prefix := []byte("prefix")
			out, ok := fn(append([]byte(nil), prefix...), in)
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("%s: prefix lost", name)
			}
			got := out[len(prefix):]
			if !ok {
				if len(got) != 0 {
					t.Fatalf("%s(%q): %q without ok", name, in, got)
				}
				continue
			}
			// text, though not always UTF-8 (IsText admits a few Latin-1
			// letters and overlong encodings)
			if !IsText(got) {
				t.Fatalf("%s(%q) = %q: not text", name, in, got)
			}
			if len(got) > len(in) {
				t.Fatalf("%s(%q): %d bytes from %d", name, in, len(got), len(in))
			}
		}
		// The decoders of what is not text: the same contract, with
		// Base64Overlong's output printable ASCII (its odd bytes as %xx).
		for name, fn := range map[string]func([]byte, []byte) ([]byte, bool){"Base64Binary": Base64Binary, "Base64Overlong": Base64Overlong} {
			prefix := []byte("prefix")
			out, ok := fn(append([]byte(nil), prefix...), in)
			if !bytes.HasPrefix(out, prefix) || !ok && len(out) != len(prefix) {
				t.Fatalf("%s(%q) = %q, %v: prefix lost or bytes without ok", name, in, out, ok)
			}
			got := out[len(prefix):]
			if len(got) > 3*len(in) {
				t.Fatalf("%s(%q): %d bytes from %d", name, in, len(got), len(in))
			}
			if ok && name == "Base64Overlong" && bytes.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r >= 0x7F }) {
				t.Fatalf("Base64Overlong(%q) = %q: not printable ASCII", in, got)
			}
		}
	})
}

func TestBase64Overlong(t *testing.T) {
	for _, tc := range []struct {
		raw, want string // want "" for not accepted
	}{
		{"\xc0\xae\xc0\xae\xc0%qfetc\xc0%qfissue", "%c0%ae%c0%ae%c0%qfetc%c0%qfissue"},
		{"\xe0\x80\xae\xe0\x80\xae\xc1%pcetc\xc1%pcissue", "%e0%80%ae%e0%80%ae%c1%pcetc%c1%pcissue"},
		{"\xc0\xee\xc0\xee\xc0/etc\xc0/passwd", "%c0%ee%c0%ee%c0/etc%c0/passwd"},
		{".\x00.\xe0\x80\xaf.\x00.\xe0\x80\xafboot.ini", ".%00.%e0%80%af.%00.%e0%80%afboot.ini"},
		{"caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e", ""},       // UTF-8 text
		{"plain ascii text, nothing odd", ""},                       // no overlong byte
		{"\xc0\xae only one, then text", ""},                        // one sequence
		{"\x01\x02\x03\xc0\xae\xc0\xae\x04\x05\x06abcd", ""},        // more control bytes than sequences
		{"\xc0\xae\xc0\xae\xc3\xa9 and a real letter too", ""},      // another high byte
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", ""}, // binary
	} {
		enc := base64.StdEncoding.EncodeToString([]byte(tc.raw))
		got, ok := Base64Overlong([]byte("prefix:"), []byte(enc))
		if ok != (tc.want != "") || ok && string(got) != "prefix:"+tc.want || !ok && string(got) != "prefix:" {
			t.Errorf("Base64Overlong(%q) = %q, %v; want %q", tc.raw, got, ok, tc.want)
		}
	}
}

// TestBase64OverlongRandom checks that random tokens are not taken for
// overlong text: a byte with the high bit set outside an overlong
// sequence rejects them, and half of random bytes have it. (About one
// random token in ten million is, short ones: 1 of 10,000,000 here; the
// tokens are drawn from a fixed seed, so that the test tells the same
// every time.)
func TestBase64OverlongRandom(t *testing.T) {
	n := 0
	b := make([]byte, 64)
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range 100000 {
		b = b[:MinBinaryText+i%52]
		for k := range b {
			b[k] = byte(rng.Uint32())
		}
		if _, ok := Base64Overlong(nil, []byte(base64.RawURLEncoding.EncodeToString(b))); ok {
			n++
		}
	}
	if n > 0 {
		t.Errorf("%d of 100000 random tokens decoded as overlong text", n)
	}
}

// FuzzOverlongStart checks that the quick test of Base64Overlong on a
// value's first bytes rejects nothing the whole test accepts.
func FuzzOverlongStart(f *testing.F) {
	f.Add([]byte("\xc0\xae\xc0\xae\xc0%qfetc\xc0%qfissue"))
	f.Add([]byte("\xf8\x80\x80\x80\xae\xf8\x80\x80\x80\xae\xc1%pcetc"))
	f.Add([]byte("ab\xe0\x80\xae\xe0\x80\xaf.\x00./etc/passwd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if overlongASCII(b) && !overlongStart(b[:min(6, len(b))]) {
			t.Fatalf("overlongStart rejects %q, which overlongASCII accepts", b)
		}
	})
}
