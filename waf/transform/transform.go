// Package transform holds the value transformers that rules apply before their
// operators run (lowercase, url_decode, normalize_path, ...), one file each,
// registered by their ruleset names.
//
// A transformer appends the transformed form of src to dst and returns the
// extended slice, so the engine can reuse one buffer per transformer chain.
//
// The registered names, with libddwaf's legacy aliases in parentheses:
// base64_decode (base64Decode), base64_encode (base64Encode),
// base64url_decode, compress_whitespace (compressWhiteSpace), css_decode
// (cssDecode), html_entity_decode (htmlEntityDecode), js_decode (jsDecode),
// lowercase, normalize_path (normalizePath), normalize_path_win
// (normalizePathWin), remove_comments (removeComments), remove_nulls
// (removeNulls), shell_unescape (cmdLine), unicode_normalize, url_basename
// (_sqr_basename), url_decode (urlDecode), url_decode_iis (urlDecodeUni),
// url_path (_sqr_filename) and url_querystring (_sqr_querystring).
// keys_only and values_only are input selectors that the engine handles,
// not transformers.
//
// The semantics are libddwaf's (github.com/DataDog/libddwaf,
// src/transformer), its quirks included where a rule could depend on them;
// each file says where rampart decodes more than libddwaf, and why.
//
// Every transformer runs in time linear in len(src), never panics on any
// input (invalid UTF-8 and truncated escapes included), does not allocate
// when dst has enough spare capacity, and bounds its output: each file
// documents its growth, and MaxGrowth gives the bound for all of them, so
// that a caller can size a buffer before a chain runs.
package transform

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// MaxGrowth is the largest factor by which any registered transformer can
// lengthen its input: len(f(nil, src)) <= MaxGrowth*len(src) for every f.
// base64_encode (four bytes for one), unicode_normalize and css_decode
// (twice at most) are the only transformers whose output can be longer
// than their input.
const MaxGrowth = 4

// Func appends the transformation of src to dst and returns the result.
// It must not retain or modify src, and must not allocate when dst has
// spare capacity for the transformer's documented growth bound (at most
// MaxGrowth*len(src) bytes); all but normalize_path, normalize_path_win
// (which may write a segment that a later ".." removes) and url_decode_iis
// (which may write an escape before decoding it) need no more room than
// their output takes.
type Func func(dst, src []byte) []byte

var (
	funcs   = map[string]Func{}
	aliases = map[string]string{}
	keeps   = map[string]func([]byte) bool{}
)

// Keeps returns, for the transformers that have one, a check cheaper than
// the transformer that src is left unchanged by it (a false answer says
// nothing): an engine skips the copy of a value it already holds. name is
// a canonical name (see Lookup); nil when there is no check.
func Keeps(name string) func(src []byte) bool { return keeps[name] }

// KeepsFolded returns, for the transformers that lowercase ASCII letters
// (lowercase, shell_unescape), a check that src's output is src
// lowercased and nothing else; nil for the others. name is a canonical
// name (see Lookup).
func KeepsFolded(name string) func(src []byte) bool { return keepsFolded[name] }

var keepsFolded = map[string]func([]byte) bool{
	"lowercase":      func([]byte) bool { return true },
	"shell_unescape": ShellKeepsFolded,
}

// registerKeeps adds the unchanged-value check of a registered transformer.
func registerKeeps(name string, f func([]byte) bool) {
	if _, ok := funcs[name]; !ok || keeps[name] != nil {
		panic(fmt.Sprintf("transform: keeps of %q", name))
	}
	keeps[name] = f
}

// noPercentOrPlus reports whether src has neither '%' nor '+': the URL
// decoders leave it as it is.
func noPercentOrPlus(src []byte) bool { return indexPercentOrPlus(src) < 0 }

// register adds a transformer under name and its legacy aliases. It panics on
// an empty or duplicate name; it is only called from init functions.
func register(name string, f Func, alias ...string) {
	if name == "" || f == nil {
		panic("transform: register with empty name or nil func")
	}
	if _, dup := funcs[name]; dup {
		panic(fmt.Sprintf("transform: %q registered twice", name))
	}
	funcs[name] = f
	for _, a := range alias {
		if _, dup := aliases[a]; dup {
			panic(fmt.Sprintf("transform: alias %q registered twice", a))
		}
		aliases[a] = name
	}
}

// Lookup returns the transformer registered under name (or one of its
// aliases, such as libddwaf's legacy camelCase names) and its canonical name.
func Lookup(name string) (f Func, canonical string, ok bool) {
	if c, isAlias := aliases[name]; isAlias {
		name = c
	}
	f, ok = funcs[name]
	return f, name, ok
}

// Names returns the canonical names of all registered transformers, sorted.
func Names() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// isSpace reports whether c is ASCII whitespace as C's isspace defines it:
// space, \t, \n, \v, \f or \r.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// hexByte decodes the two hexadecimal digits at s[0:2].
func hexByte(s []byte) (byte, bool) {
	if len(s) < 2 {
		return 0, false
	}
	return hexdigit.Pair(s[0], s[1])
}

// hex4 decodes the four hexadecimal digits at s[0:4].
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		v, ok := hexdigit.Value(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// isHighSurrogate and isLowSurrogate classify UTF-16 code units.
func isHighSurrogate(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }
func isLowSurrogate(r rune) bool  { return r >= 0xDC00 && r <= 0xDFFF }

// combineSurrogates returns the code point of a UTF-16 surrogate pair.
func combineSurrogates(hi, lo rune) rune {
	return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00)
}

// appendRune appends the UTF-8 encoding of r, or of U+FFFD when r is a
// surrogate or out of range.
func appendRune(dst []byte, r rune) []byte {
	return utf8.AppendRune(dst, r)
}
