package transform

import (
	"bytes"
	"encoding/base64"
	"html"
	"net/url"
	"path"
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
	"base64_decode": {3, 4}, "base64url_decode": {3, 4}, "compress_whitespace": {1, 1},
	"remove_nulls": {1, 1}, "remove_comments": {1, 1}, "normalize_path": {1, 1},
	"normalize_path_win": {1, 1}, "shell_unescape": {1, 1}, "unicode_normalize": {2, 1},
}

// retracts lists the transformers that may write more than their final
// output before removing part of it (a segment that a later ".." removes):
// they need room for their bound, not just for their output.
var retracts = map[string]bool{"normalize_path": true, "normalize_path_win": true}

// idempotent lists the transformers whose output is a fixed point, and
// keepsUTF8 those whose output is valid UTF-8 when their input is.
var (
	idempotent = map[string]bool{
		"lowercase": true, "remove_nulls": true, "compress_whitespace": true,
		"normalize_path": true, "normalize_path_win": true, "shell_unescape": true,
		"unicode_normalize": true, // on valid UTF-8, see FuzzTransformers
	}
	keepsUTF8 = map[string]bool{
		"lowercase": true, "remove_nulls": true, "compress_whitespace": true,
		"normalize_path": true, "normalize_path_win": true, "shell_unescape": true,
		"unicode_normalize": true, "html_entity_decode": true, "css_decode": true,
		"remove_comments": true,
	}
)

// addSeeds seeds f with every table row, of every transformer.
func addSeeds(f *testing.F) {
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, r := range tables[n] {
			f.Add([]byte(r.in))
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
			if idempotent[n] && (n != "unicode_normalize" || valid) {
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
		// url_decode_iis agrees wherever no %u escape is involved.
		if !strings.Contains(strings.ToLower(in), "%u") {
			if iis := string(urlDecodeIIS(nil, []byte(in))); iis != got {
				t.Fatalf("url_decode_iis(%q) = %q, url_decode %q", in, iis, got)
			}
		}
	})
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

// refBase64 decodes the longest prefix of alphabet letters with package
// encoding/base64.
func refBase64(in string, enc *base64.Encoding, alphabet string) (string, error) {
	n := 0
	for n < len(in) && strings.IndexByte(alphabet, in[n]) >= 0 {
		n++
	}
	if n%4 == 1 {
		n--
	}
	out, err := enc.DecodeString(in[:n])
	return string(out), err
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
				t.Fatalf("%s(%q) = %q, encoding/base64 %q", c.name, in, got, want)
			}
			// Round trips, padded and not.
			for _, e := range []*base64.Encoding{c.enc, c.padded} {
				enc := e.EncodeToString([]byte(in))
				if back := string(c.fn(nil, []byte(enc))); back != in {
					t.Fatalf("%s(%q) = %q, want %q", c.name, enc, back, in)
				}
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

// cleanLikeNormalizePath predicts normalize_path from path.Clean: the same
// path, except that a path climbing above its start is rooted instead of
// keeping its leading "..", "." is empty, and a trailing '/' is kept (or
// added after "." and "..").
func cleanLikeNormalizePath(in string) string {
	c := path.Clean(in)
	if c == "." {
		c = ""
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		for c == ".." || strings.HasPrefix(c, "../") {
			c = strings.TrimPrefix(strings.TrimPrefix(c, ".."), "/")
		}
		c = "/" + c
	}
	if c != "" && c != "/" {
		last := in[strings.LastIndexByte(in, '/')+1:]
		if strings.HasSuffix(in, "/") || last == "." || last == ".." {
			c += "/"
		}
	}
	return c
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
		if want := cleanLikeNormalizePath(in); got != want {
			t.Fatalf("normalize_path(%q) = %q, from path.Clean %q", in, got, want)
		}
		win := string(normalizePathWin(nil, []byte(in)))
		if want := string(normalizePath(nil, []byte(strings.ReplaceAll(in, `\`, "/")))); win != want {
			t.Fatalf("normalize_path_win(%q) = %q, normalize_path with slashes %q", in, win, want)
		}
	})
}

// entityNames is htmlEntities' names, sorted, for the generator below.
func entityNames() []string {
	names := make([]string, 0, len(htmlEntities))
	for n := range htmlEntities {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// htmlFromFuzz turns fuzz bytes into text made of literal characters,
// named references of htmlEntities (with and without ';') and numeric
// references, written so that every name in it is one both html_entity_decode
// and package html know: literal letters cannot extend a name into another.
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
			b.WriteString("&" + names[(next()<<8|next())%len(names)])
			if op&8 != 0 {
				b.WriteByte(';')
			}
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
// table: the same character, and ';' optional exactly for the legacy names.
func TestHTMLEntityTable(t *testing.T) {
	if len(htmlEntities) < 250 {
		t.Errorf("%d entities, want at least 250", len(htmlEntities))
	}
	longest, longestLegacy := 0, 0
	for name, v := range htmlEntities {
		want := string(rune(v &^ legacyEntity))
		if got := html.UnescapeString("&" + name + ";"); got != want {
			t.Errorf("&%s; is %q in HTML5, %q here", name, got, want)
		}
		legacy := html.UnescapeString("&"+name+" ") == want+" "
		if legacy != (v&legacyEntity != 0) {
			t.Errorf("&%s without ';': legacy in HTML5 %v, here %v", name, legacy, !legacy)
		}
		longest = max(longest, len(name))
		if legacy {
			longestLegacy = max(longestLegacy, len(name))
		}
		if utf8.RuneLen(rune(v&^legacyEntity)) > len(name)+1 {
			t.Errorf("&%s grows its input", name)
		}
	}
	if longest != maxEntityName || longestLegacy != maxLegacyEntityName {
		t.Errorf("longest names %d and %d, constants %d and %d", longest, longestLegacy, maxEntityName, maxLegacyEntityName)
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
		if len(repl) > MaxGrowth*utf8.RuneLen(r) {
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
		if len(out) > MaxGrowth*len(in) {
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
