package transform

import (
	"bytes"
	"encoding/base64"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// growth is the documented bound of each transformer:
// len(out)*den <= num*len(in).
var growth = map[string]struct{ num, den int }{
	"lowercase": {1, 1}, "url_decode": {1, 1}, "url_decode_iis": {1, 1},
	"html_entity_decode": {1, 1}, "js_decode": {1, 1}, "css_decode": {3, 2},
	"base64_decode": {1, 1}, "base64url_decode": {1, 1}, "compress_whitespace": {1, 1},
	"remove_nulls": {1, 1}, "remove_comments": {1, 1}, "normalize_path": {1, 1},
	"normalize_path_win": {1, 1}, "shell_unescape": {1, 1}, "unicode_normalize": {2, 1},
	"base64_encode": {4, 1}, "url_path": {1, 1}, "url_basename": {1, 1}, "url_querystring": {1, 1},
	"remove_stack_frames": {1, 1},
}

// retracts lists the transformers that may write more than their final
// output before removing part of it (a segment that a later ".." removes,
// an escape decoded once complete): they need room for their bound, not
// just for their output.
var retracts = map[string]bool{"normalize_path": true, "normalize_path_win": true, "url_decode_iis": true, "remove_stack_frames": true}

// idempotent lists the transformers whose output is a fixed point, and
// keepsUTF8 those whose output is valid UTF-8 when their input is.
var (
	// (normalize_path follows libddwaf's single pass, which promises no
	// fixed point.)
	idempotent = map[string]bool{
		"lowercase": true, "remove_nulls": true, "compress_whitespace": true,
		"shell_unescape": true, "unicode_normalize": true, "url_decode_iis": true,
		"url_path": true, "url_basename": true,
	}
	// html_entity_decode is not in keepsUTF8: "&nbsp;" is the byte 0xA0.
	keepsUTF8 = map[string]bool{
		"lowercase": true, "remove_nulls": true, "compress_whitespace": true,
		"normalize_path": true, "normalize_path_win": true, "shell_unescape": true,
		"unicode_normalize": true, "css_decode": true, "remove_comments": true,
		"base64_encode": true, "url_path": true, "url_basename": true, "url_querystring": true,
		"remove_stack_frames": true,
	}
)

// addSeeds seeds f with every table row and reference vector, of every
// transformer.
func addSeeds(f *testing.F) {
	for _, set := range []map[string][]row{tables, libddwafVectors} {
		names := make([]string, 0, len(set))
		for n := range set {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			for _, r := range set[n] {
				f.Add([]byte(r.in))
			}
		}
	}
}

// FuzzTransformers runs every transformer on one input and checks the
// properties they all promise: bounded output, dst's prefix kept, the same
// result whether dst has room or not, src untouched, and, where they hold,
// idempotence and UTF-8 validity.
func FuzzTransformers(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		for _, n := range Names() {
			fn, _, _ := Lookup(n)
			out := fn(nil, in)
			if !bytes.Equal(in, orig) {
				t.Fatalf("%s modified its input", n)
			}
			if keep := Keeps(n); keep != nil && keep(in) && !bytes.Equal(out, in) {
				t.Fatalf("%s: Keeps(%q), but the output is %q", n, in, out)
			}
			g := growth[n]
			if g.den == 0 {
				t.Fatalf("%s has no documented growth", n)
			}
			if len(out)*g.den > g.num*len(in) || len(out) > MaxGrowth*len(in) {
				t.Fatalf("%s: %d bytes out of %d in, more than %d/%d", n, len(out), len(in), g.num, g.den)
			}
			// A non-empty dst, with no spare room and then with exactly enough.
			pre := []byte("prefix\x00")
			got := fn(pre[:len(pre):len(pre)], in)
			if string(got[:len(pre)]) != string(pre) || !bytes.Equal(got[len(pre):], out) {
				t.Fatalf("%s with a full dst: %q, want %q+%q", n, got, pre, out)
			}
			// Room for the documented bound is enough to work in place, and
			// room for the output itself too, for the transformers that never
			// take back what they wrote.
			rooms := []int{g.num * len(in) / g.den}
			if !retracts[n] {
				rooms = append(rooms, len(out))
			}
			for _, room := range rooms {
				roomy := make([]byte, len(pre), len(pre)+room)
				copy(roomy, pre)
				got = fn(roomy, in)
				if &got[0] != &roomy[0] || string(got[:len(pre)]) != string(pre) || !bytes.Equal(got[len(pre):], out) {
					t.Fatalf("%s with %d bytes of room in dst: %q, want %q+%q in place", n, room, got, pre, out)
				}
			}
			valid := utf8.Valid(in)
			if idempotent[n] {
				if again := fn(nil, out); !bytes.Equal(again, out) {
					t.Fatalf("%s not idempotent: %q -> %q -> %q", n, in, out, again)
				}
			}
			if keepsUTF8[n] && valid && !utf8.Valid(out) {
				t.Fatalf("%s made invalid UTF-8 of %q: %q", n, in, out)
			}
		}
	})
}

// naiveURLDecode is the obvious reference for url_decode.
func naiveURLDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+':
			b.WriteByte(' ')
		case s[i] == '%' && i+2 < len(s)+0 && i+3 <= len(s) && isHexString(s[i+1:i+3]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isHexString(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func FuzzURLDecode(f *testing.F) {
	for _, r := range tables["url_decode"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := string(urlDecode(nil, []byte(in)))
		if want := naiveURLDecode(in); got != want {
			t.Fatalf("url_decode(%q) = %q, naive %q", in, got, want)
		}
		if want, err := url.QueryUnescape(in); err == nil && got != want {
			t.Fatalf("url_decode(%q) = %q, url.QueryUnescape %q", in, got, want)
		}
		// url_decode_iis is the fixed point of libddwaf's pass.
		if iis, want := string(urlDecodeIIS(nil, []byte(in))), naiveURLDecodeIIS(in); iis != want {
			t.Fatalf("url_decode_iis(%q) = %q, repeated passes %q", in, iis, want)
		}
		// Where no escape or '+' comes out of a first decoding, it is
		// url_decode with the %u escapes.
		if !strings.ContainsAny(got, "%+") && !strings.Contains(strings.ToLower(in), "%u") {
			if iis := string(urlDecodeIIS(nil, []byte(in))); iis != got {
				t.Fatalf("url_decode_iis(%q) = %q, url_decode %q", in, iis, got)
			}
		}
	})
}

// naiveURLDecodeIIS repeats libddwaf's url_decode_iis pass (one scan, left
// to right, over %XX, %uXXXX and '+') until a pass finds nothing: quadratic,
// the reference for the one-pass stack of urlDecodeIIS.
func naiveURLDecodeIIS(s string) string {
	isHex := func(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
	for {
		var b []byte
		found := false
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '+':
				b, found = append(b, ' '), true
			case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
				v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
				b, found = append(b, byte(v)), true
				i += 2
			case s[i] == '%' && i+5 < len(s) && s[i+1]|0x20 == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
				v, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
				r := rune(v)
				switch {
				case r <= 0x7F:
					b = append(b, byte(r))
				case r >= 0xFF01 && r <= 0xFF5E:
					b = append(b, byte(r-0xFEE0))
				case r >= 0xD800 && r <= 0xDFFF:
					b = append(b, "\ufffd"...)
				default:
					b = utf8.AppendRune(b, r)
				}
				found = true
				i += 5
			default:
				b = append(b, s[i])
			}
		}
		if !found {
			return s
		}
		s = string(b)
	}
}

func FuzzLowercase(f *testing.F) {
	for _, r := range tables["lowercase"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := string(lowercase(nil, []byte(in)))
		want := []byte(in)
		for i, c := range want {
			if 'A' <= c && c <= 'Z' {
				want[i] = c + 32
			}
		}
		if got != string(want) {
			t.Fatalf("lowercase(%q) = %q, naive %q", in, got, want)
		}
		ascii := true
		for i := 0; i < len(in); i++ {
			ascii = ascii && in[i] < utf8.RuneSelf
		}
		if ascii && got != strings.ToLower(in) {
			t.Fatalf("lowercase(%q) = %q, strings.ToLower %q", in, got, strings.ToLower(in))
		}
	})
}

// refBase64 is libddwaf's base64_decode written plainly: a value with a
// byte outside the alphabet (or misplaced padding) is kept, otherwise the
// letters are decoded with package encoding/base64, and a partial final
// group as libddwaf decodes it.
func refBase64(in string, enc *base64.Encoding, alphabet string) (string, error) {
	letters := strings.TrimRight(in, "=")
	pad := len(in) - len(letters)
	if strings.ContainsFunc(letters, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }) ||
		pad > 3 || pad > 4-len(letters)%4 {
		return in, nil
	}
	full := len(letters) / 4 * 4
	out, err := enc.DecodeString(letters[:full])
	if err != nil {
		return "", err
	}
	if rest := letters[full:]; rest != "" {
		var v uint32
		for i := range len(rest) {
			v |= uint32(strings.IndexByte(alphabet, rest[i])) << (18 - 6*i)
		}
		out = append(out, byte(v>>16))
		if len(rest) > 1 && v&0xFFFF != 0 {
			out = append(out, byte(v>>8))
		}
		if len(rest) > 2 && v&0xFF != 0 {
			out = append(out, byte(v))
		}
	}
	return string(out), nil
}

const (
	stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

func FuzzBase64Decode(f *testing.F) {
	for _, r := range tables["base64_decode"] {
		f.Add(r.in)
	}
	for _, r := range tables["base64url_decode"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, c := range []struct {
			name     string
			fn       Func
			enc      *base64.Encoding
			alphabet string
			padded   *base64.Encoding
		}{
			{"base64_decode", base64Decode, base64.RawStdEncoding, stdAlphabet, base64.StdEncoding},
			{"base64url_decode", base64URLDecode, base64.RawURLEncoding, urlAlphabet, base64.URLEncoding},
		} {
			got := string(c.fn(nil, []byte(in)))
			want, err := refBase64(in, c.enc, c.alphabet)
			if err != nil {
				t.Fatalf("reference failed on %q: %v", in, err)
			}
			if got != want {
				t.Fatalf("%s(%q) = %q, reference %q", c.name, in, got, want)
			}
			// Round trips, padded and not, except where libddwaf drops a
			// final zero byte (the second of a final group of two).
			if len(in)%3 == 2 && in[len(in)-1] == 0 {
				continue
			}
			for _, e := range []*base64.Encoding{c.enc, c.padded} {
				enc := e.EncodeToString([]byte(in))
				if back := string(c.fn(nil, []byte(enc))); back != in {
					t.Fatalf("%s(%q) = %q, want %q", c.name, enc, back, in)
				}
			}
		}
	})
}

// FuzzBase64Encode checks base64_encode against package encoding/base64
// (libddwaf's alphabet has '-' for '/') and decodes it back.
func FuzzBase64Encode(f *testing.F) {
	for _, r := range tables["base64_encode"] {
		f.Add([]byte(r.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got := string(base64Encode(nil, in))
		want := strings.ReplaceAll(base64.StdEncoding.EncodeToString(in), "/", "-")
		if got != want {
			t.Fatalf("base64_encode(%q) = %q, want %q", in, got, want)
		}
		std := strings.ReplaceAll(got, "-", "/")
		if back := string(base64Decode(nil, []byte(std))); (len(in)%3 != 2 || in[len(in)-1] != 0) && back != string(in) {
			t.Fatalf("base64_decode(%q) = %q, want %q", std, back, in)
		}
	})
}

// FuzzURLParts checks url_path, url_basename and url_querystring against
// each other and against package strings: the path and the query string
// (with its '?') and the fragment make up the value again.
func FuzzURLParts(f *testing.F) {
	for _, n := range []string{"url_path", "url_basename", "url_querystring"} {
		for _, r := range tables[n] {
			f.Add(r.in)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		p := string(urlPath(nil, []byte(in)))
		q := string(urlQuerystring(nil, []byte(in)))
		b := string(urlBasename(nil, []byte(in)))
		if strings.ContainsAny(p, "?#") || strings.Contains(q, "#") || strings.Contains(b, "/") {
			t.Fatalf("%q: path %q, query %q, basename %q", in, p, q, b)
		}
		if !strings.HasPrefix(in, p) || !strings.HasSuffix(p, b) {
			t.Fatalf("%q: path %q, basename %q", in, p, b)
		}
		rest := in[len(p):]
		switch {
		case strings.HasPrefix(rest, "?"):
			frag, _, _ := strings.Cut(rest[1:], "#")
			if q != frag {
				t.Fatalf("%q: query %q, want %q", in, q, frag)
			}
		case q != "":
			t.Fatalf("%q: query %q without a '?'", in, q)
		}
		if i := strings.LastIndexByte(p, '/'); b != p[i+1:] {
			t.Fatalf("%q: basename %q of path %q", in, b, p)
		}
		if u, err := url.Parse(in); err == nil && u.Scheme == "" && !strings.HasPrefix(in, "//") && u.Opaque == "" && !strings.Contains(in, "%") {
			if u.RawQuery != q && !u.ForceQuery {
				t.Fatalf("%q: query %q, net/url %q", in, q, u.RawQuery)
			}
			if u.Path != p {
				t.Fatalf("%q: path %q, net/url %q", in, p, u.Path)
			}
		}
	})
}

func FuzzRemoveNulls(f *testing.F) {
	for _, r := range tables["remove_nulls"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := string(removeNulls(nil, []byte(in)))
		if want := strings.ReplaceAll(in, "\x00", ""); got != want {
			t.Fatalf("remove_nulls(%q) = %q, want %q", in, got, want)
		}
	})
}

var whitespaceRun = regexp.MustCompile(`[ \t\n\v\f\r]+`)

func FuzzCompressWhitespace(f *testing.F) {
	for _, r := range tables["compress_whitespace"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := string(compressWhitespace(nil, []byte(in)))
		if want := whitespaceRun.ReplaceAllLiteralString(in, " "); got != want {
			t.Fatalf("compress_whitespace(%q) = %q, regexp %q", in, got, want)
		}
	})
}

// naiveNormalizePath is libddwaf's normalize_path pass written as it works
// there, in place on one buffer (src/transformer/normalize_path.cpp): the
// reference for appendCleanPath, which writes to a separate buffer.
func naiveNormalizePath(in string) string {
	b := []byte(in)
	r, w := 0, 0
	modified := false
	copyByte := func() {
		if r != w {
			b[w] = b[r]
			modified = true
		}
		r++
		w++
	}
	for r < len(b) {
		if b[r] != '.' || r+1 != len(b) && b[r+1] != '/' {
			copyByte()
			continue
		}
		switch {
		case r == 0 || b[r-1] == '/':
			r += 2
		case r > 1 && b[r-1] == '.' && b[r-2] == '/':
			w -= min(w, 3)
			for w != 0 && b[w] != '/' {
				w--
			}
			b[w] = '/'
			w++
			r += 2
			modified = true
		default:
			copyByte()
		}
	}
	if !modified {
		return in
	}
	return string(b[:w])
}

func FuzzNormalizePath(f *testing.F) {
	for _, r := range tables["normalize_path"] {
		f.Add(r.in)
	}
	for _, r := range tables["normalize_path_win"] {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := string(normalizePath(nil, []byte(in)))
		if want := naiveNormalizePath(in); got != want {
			t.Fatalf("normalize_path(%q) = %q, in-place reference %q", in, got, want)
		}
		win := string(normalizePathWin(nil, []byte(in)))
		if want := string(normalizePath(nil, []byte(strings.ReplaceAll(in, `\`, "/")))); win != want {
			t.Fatalf("normalize_path_win(%q) = %q, normalize_path with slashes %q", in, win, want)
		}
		// No "/./" survives a pass that moved anything, and a rooted path
		// stays rooted.
		if got != in && strings.Contains(got, "/./") {
			t.Fatalf("normalize_path(%q) = %q keeps a /./", in, got)
		}
		if strings.HasPrefix(in, "/") && !strings.HasPrefix(got, "/") {
			t.Fatalf("normalize_path(%q) = %q is not rooted", in, got)
		}
	})
}

// entityNames is htmlEntities' names, sorted, for the generator below,
// but for nbsp, which html_entity_decode writes as libddwaf does (the byte
// 0xA0, not its UTF-8 form).
func entityNames() []string {
	names := make([]string, 0, len(htmlEntities))
	for n := range htmlEntities {
		if strings.ToLower(n) != "nbsp" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// htmlFromFuzz turns fuzz bytes into text made of literal characters,
// named references of htmlEntities (with their ';', which
// html_entity_decode requires) and numeric references, written so that
// every name in it is one both html_entity_decode and package html know:
// literal letters cannot extend a name into another.
func htmlFromFuzz(data []byte, names []string) string {
	var b strings.Builder
	const literals = " <>\"'&#;xX0189"
	for i := 0; i < len(data); i++ {
		op := data[i]
		next := func() int {
			if i+1 < len(data) {
				i++
				return int(data[i])
			}
			return 0
		}
		switch op % 8 {
		case 0, 1:
			b.WriteString("&" + names[(next()<<8|next())%len(names)] + ";")
		case 2:
			b.WriteString("&#" + strconv.Itoa(next()<<8|next()) + ";")
		case 3:
			b.WriteString("&#x" + strconv.FormatInt(int64(next()<<16|next()<<8|next()), 16) + ";")
		default:
			b.WriteByte(literals[int(op>>3)%len(literals)])
		}
	}
	// package html leaves a "&#N" that ends the input undecoded (it wants
	// four bytes from the '&'); browsers and html_entity_decode do not.
	b.WriteByte(' ')
	return b.String()
}

// goSingleDigit matches a decimal reference of one digit without ';', which
// package html does not decode (its "no characters matched" test counts
// the digit's terminator) and HTML5 does.
var goSingleDigit = regexp.MustCompile(`&#[0-9](?:[^0-9;]|$)`)

func FuzzHTMLEntityDecode(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 0x3c, 0x00, 3, 0, 0, 0x3c, 8, 0, 7})
	f.Add([]byte("abcdefghijklmnop"))
	names := entityNames()
	f.Fuzz(func(t *testing.T, data []byte) {
		in := htmlFromFuzz(data, names)
		if goSingleDigit.MatchString(in) {
			return // package html leaves "&#1 " undecoded; see the table
		}
		got := string(htmlEntityDecode(nil, []byte(in)))
		if want := html.UnescapeString(in); got != want {
			t.Fatalf("html_entity_decode(%q) = %q, html.UnescapeString %q", in, got, want)
		}
	})
}

// TestHTMLEntityTable checks every name against package html's HTML5
// table: the same character.
func TestHTMLEntityTable(t *testing.T) {
	if len(htmlEntities) < 250 {
		t.Errorf("%d entities, want at least 250", len(htmlEntities))
	}
	longest := 0
	for name, v := range htmlEntities {
		want := string(v)
		if got := html.UnescapeString("&" + name + ";"); got != want {
			t.Errorf("&%s; is %q in HTML5, %q here", name, got, want)
		}
		longest = max(longest, len(name))
		if utf8.RuneLen(v) > len(name)+1 {
			t.Errorf("&%s grows its input", name)
		}
	}
	if longest != maxEntityName {
		t.Errorf("longest name %d, constant %d", longest, maxEntityName)
	}
}

// TestUnicodeNormalizeTables checks the tables' invariants: runs sorted and
// disjoint, no map entry hidden by a run, every replacement ASCII and at
// most twice as long as what it replaces.
func TestUnicodeNormalizeTables(t *testing.T) {
	for i, r := range latinRuns {
		if r.hi < r.lo || (r.hi-r.lo)%2 != 1 || r.base < 'A' || r.base > 'Z' {
			t.Errorf("run %d (%U..%U) malformed", i, r.lo, r.hi)
		}
		if i > 0 && latinRuns[i-1].hi >= r.lo {
			t.Errorf("run %d (%U) overlaps or is out of order", i, r.lo)
		}
	}
	check := func(r rune, repl string) {
		for i := 0; i < len(repl); i++ {
			if repl[i] >= utf8.RuneSelf {
				t.Errorf("%U maps to non-ASCII %q", r, repl)
			}
		}
		if len(repl) > 2*utf8.RuneLen(r) {
			t.Errorf("%U (%d bytes) maps to %q", r, utf8.RuneLen(r), repl)
		}
	}
	for r, repl := range compatibility {
		if pairedLatinBase(r) != 0 {
			t.Errorf("%U is both in a run and in the map", r)
		}
		check(r, repl)
	}
	for r := rune(0x2460); r <= 0x24FF; r++ {
		b, s := enclosedAlphanumeric(r)
		if b != 0 {
			s = string(rune(b))
		}
		check(r, s)
	}
	// Every rune of the ranges handled, one by one: growth and a fixed point.
	for r := rune(0x80); r <= 0x1FFFF; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		in := []byte(string(r))
		out := unicodeNormalize(nil, in)
		if len(out) > 2*len(in) {
			t.Errorf("%U: %q", r, out)
		}
		if again := unicodeNormalize(nil, out); !bytes.Equal(again, out) {
			t.Errorf("%U: %q then %q", r, out, again)
		}
	}
}

// naiveShellUnescape is the byte-at-a-time reference for shell_unescape.
func naiveShellUnescape(src []byte) []byte {
	var dst []byte
	pending := false
	for _, c := range src {
		switch {
		case c == '\\' || c == '"' || c == '\'' || c == '^':
			continue
		case isSpace(c) || c == ',' || c == ';':
			pending = true
			continue
		}
		if pending && c != '/' && c != '(' {
			dst = append(dst, ' ')
		}
		pending = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	if pending {
		dst = append(dst, ' ')
	}
	return dst
}

func FuzzShellUnescape(f *testing.F) {
	addSeeds(f)
	for _, s := range []string{"c\\at /etc/pass'w'd", "ls   /etc", "a ; (b)", "A,B;C  D", "x ' /y", "plain text, with Words; and (parens)"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got := shellUnescape([]byte("prefix"), in)
		if want := naiveShellUnescape(in); !bytes.Equal(got[len("prefix"):], want) || string(got[:len("prefix")]) != "prefix" {
			t.Fatalf("shell_unescape(%q) = %q, want %q", in, got, want)
		}
	})
}

func FuzzIndexPercentOrPlus(f *testing.F) {
	for _, s := range []string{"", "a", "%", "+", "a+b%c", "ab%c+d", "no escapes here"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := -1
		for i, c := range in {
			if c == '%' || c == '+' {
				want = i
				break
			}
		}
		if got := indexPercentOrPlus(in); got != want {
			t.Fatalf("indexPercentOrPlus(%q) = %d, want %d", in, got, want)
		}
	})
}
