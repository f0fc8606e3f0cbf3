package transform

import (
	"strings"
	"testing"
)

// libddwafVectors are the reference engine's behaviour, input to expected
// output, for every transformer the two engines share. The facts come from
// libddwaf's own unit tests and sources (github.com/DataDog/libddwaf,
// tests/unit/transformer/<name>_test.cpp and src/transformer/<name>.cpp,
// version 1.2x); a libddwaf "no transform" case is written with the input
// as its output. Where rampart decodes more than libddwaf on purpose, the
// row is in divergences below, not here.
var libddwafVectors = map[string][]row{
	// tests/unit/transformer/base64_decode_test.cpp: partial final groups
	// are decoded (CRS behaviour), values that are not base64 are kept.
	"base64_decode": {
		{"full", "Zm9vYmFy", "foobar"},
		{"onePad", "Zm9vYmE=", "fooba"},
		{"twoPad", "Zm9vYg==", "foob"},
		{"noPad", "Zm9v", "foo"},
		{"fo", "Zm8=", "fo"},
		{"f", "Zg==", "f"},
		{"loneLetterThreePads", "Z===", "d"},
		{"d", "ZA==", "d"},
		{"zeroByteDropped", "ZAA=", "d"},
		{"partialGroup", "Zm9vYmF", "fooba@"},
		{"space", "normal sentence", "normal sentence"},
		{"tooMuchPadding", "normalsentence===", "normalsentence==="},
	},
	// tests/unit/transformer/base64url_decode_test.cpp: the same cases.
	"base64url_decode": {
		{"full", "Zm9vYmFy", "foobar"},
		{"loneLetterThreePads", "Z===", "d"},
		{"zeroByteDropped", "ZAA=", "d"},
		{"partialGroup", "Zm9vYmF", "fooba@"},
		{"space", "normal sentence", "normal sentence"},
		{"tooMuchPadding", "normalsentence===", "normalsentence==="},
	},
	// tests/unit/transformer/base64_encode_test.cpp; value 63 is '-' in
	// the alphabet of src/transformer/base64_encode.cpp.
	"base64_encode": {
		{"foobar", "foobar", "Zm9vYmFy"},
		{"fooba", "fooba", "Zm9vYmE="},
		{"foob", "foob", "Zm9vYg=="},
		{"foo", "foo", "Zm9v"},
		{"fo", "fo", "Zm8="},
		{"f", "f", "Zg=="},
		{"d", "d", "ZA=="},
		{"at", "fooba@", "Zm9vYmFA"},
		{"negativeChars", "\x80\x80\x80\x80\x80\x80", "gICAgICA"},
		{"value63", "\xff", "-w=="},
	},
	// tests/unit/transformer/url_basename_test.cpp.
	"url_basename": {
		{"q", "index.php?a=b", "index.php"},
		{"f", "index.php#frag", "index.php"},
		{"qf", "index.php?a=b#frag", "index.php"},
		{"pathQ", "/path/index.php?a=b", "index.php"},
		{"pathF", "/path/index.php#frag", "index.php"},
		{"pathQF", "/path/index.php?a=b#frag", "index.php"},
		{"dirQ", "/path/index/?a=b", ""},
		{"dirF", "/path/index/#frag", ""},
		{"dirQF", "/path/index/?a=b#frag", ""},
		{"rootQ", "/?a=b", ""},
		{"rootF", "/#frag", ""},
		{"rootQF", "/?a=b#frag", ""},
		{"onlyQ", "?a=b", ""},
		{"onlyF", "#frag", ""},
		{"onlyQF", "?a=b#frag", ""},
		{"unchanged", "index.php", "index.php"},
	},
	// tests/unit/transformer/url_path_test.cpp.
	"url_path": {
		{"q", "index.php?a=b", "index.php"},
		{"f", "index.php#frag", "index.php"},
		{"qf", "index.php?a=b#frag", "index.php"},
		{"pathQ", "/path/index.php?a=b", "/path/index.php"},
		{"pathF", "/path/index.php#frag", "/path/index.php"},
		{"pathQF", "/path/index.php?a=b#frag", "/path/index.php"},
		{"dirQ", "/path/index/?a=b", "/path/index/"},
		{"dirF", "/path/index/#frag", "/path/index/"},
		{"dirQF", "/path/index/?a=b#frag", "/path/index/"},
		{"rootQ", "/?a=b", "/"},
		{"rootF", "/#frag", "/"},
		{"rootQF", "/?a=b#frag", "/"},
		{"onlyQ", "?a=b", ""},
		{"onlyF", "#frag", ""},
		{"onlyQF", "?a=b#frag", ""},
		{"unchanged", "index.php", "index.php"},
		{"unchangedPath", "/path/index.php", "/path/index.php"},
		{"unchangedDir", "/path/to/index/", "/path/to/index/"},
	},
	// tests/unit/transformer/url_querystring_test.cpp.
	"url_querystring": {
		{"q", "index.php?a=b", "a=b"},
		{"many", "index.php?a=b&c=d&e=f", "a=b&c=d&e=f"},
		{"f", "index.php#frag", ""},
		{"qf", "index.php?a=b#frag", "a=b"},
		{"pathQ", "/querystring/index.php?a=b", "a=b"},
		{"pathF", "/querystring/index.php#frag", ""},
		{"pathQF", "/querystring/index.php?a=b#frag", "a=b"},
		{"dirQ", "/querystring/index/?a=b", "a=b"},
		{"dirF", "/querystring/index/#frag", ""},
		{"dirQF", "/querystring/index/?a=b#frag", "a=b"},
		{"rootQ", "/?a=b", "a=b"},
		{"rootF", "/#frag", ""},
		{"rootQF", "/?a=b#frag", "a=b"},
		{"onlyQ", "?a=b", "a=b"},
		{"questionMarkInQuery", `?a=b&c="?sndj"`, `a=b&c="?sndj"`},
		{"onlyF", "#frag", ""},
		{"onlyQF", "?a=b#frag", "a=b"},
	},
	// tests/unit/transformer/html_entity_decode_test.cpp.
	"html_entity_decode": {
		{"leadingZerosHex", "HTML &#x0000000000000000000000000000041 &#x41; transformation", "HTML A A transformation"},
		{"leadingZerosDec", "HTML &#0000000000000000000000000000065 &#65; transformation", "HTML A A transformation"},
		{"five", "&lt;&gt;&amp;&quot;&nbsp;", "<>&\"\xa0"},
		{"mixed", "&#x41 :) &#x &#X &# &#xffffffff &#999999999 &lt", "A :) &#x &#X &# \xEF\xBF\xBD \xEF\xBF\xBD &lt"},
		{"hexSemicolon", "&#x41;", "A"},
		{"hex", "&#x41", "A"},
		{"decSemicolon", "&#65;", "A"},
		{"dec", "&#65", "A"},
		{"lt", "&lt;", "<"},
		{"hexOverflow", "HTML &#xffffff fffff &#x41; transformation", "HTML \xef\xbf\xbd fffff A transformation"},
		{"hexOverflowLong", "HTML &#xffffffffff9fff fffff &#x41; transformation", "HTML \xef\xbf\xbd fffff A transformation"},
		{"decOverflow", "HTML &#9999999 99999 &#x41; transformation", "HTML \xef\xbf\xbd 99999 A transformation"},
		{"decOverflowThenLetters", "HTML &#9999999ffff 99999 &#x41; transformation", "HTML \xef\xbf\xbdffff 99999 A transformation"},
		{"none", "no HTML transformations", "no HTML transformations"},
		{"doubleAmp", "no HTML &&transformations", "no HTML &&transformations"},
		{"noSemicolon", "no &ampblaHTML transformations", "no &ampblaHTML transformations"},
		{"hashLetters", "no &#HTML transformations", "no &#HTML transformations"},
		{"short", "no", "no"},
		// src/transformer/html_entity_decode.cpp: its five names match in
		// any case.
		{"caseInsensitive", "&LT;&Gt;&aMp;&QUOT;", "<>&\""},
	},
	// tests/unit/transformer/url_decode_test.cpp and
	// src/transformer/url_decode.cpp: url_decode_iis repeats its pass while
	// a pass decodes anything; a surrogate escape is U+FFFD.
	"url_decode_iis": {
		{"doc", "%u1234", "\xe1\x88\xb4"},
		{"twice", "%2541", "A"},
		{"plusFromEscape", "%2B", " "},
		{"surrogate", "%uD83D", "\ufffd"},
		{"asciiRange", "%u0041%u007f", "A\x7f"},
	},
	// tests/unit/transformer/normalize_path_test.cpp.
	"normalize_path": {
		{"dotFile", "./file", "file"},
		{"relative", "./a/simple/path", "a/simple/path"},
		{"dotSegment", "a/simple/./path", "a/simple/path"},
		{"dotDot", "./a/simple/wrong/../path", "a/simple/path"},
		{"aboveBase", "a/simple/../../../../path", "/path"},
		{"aboveBaseDot", "a/simple/../../../../path.", "/path."},
		{"normal", "/normal/path", "/normal/path"},
		{"dir", "/normal/path/to/dir/", "/normal/path/to/dir/"},
		{"plain", "path/to/somewhere", "path/to/somewhere"},
		{"dotSlash", "./", "./"},
		{"root", "/", "/"},
		{"dotEnding", "/path.", "/path."},
	},
	// The same file, TestNormalizePathWin.
	"normalize_path_win": {
		{"dotFile", `.\file`, "file"},
		{"relative", `.\a\simple\path`, "a/simple/path"},
		{"dotSegment", `a\simple\.\path`, "a/simple/path"},
		{"dotDot", `.\a\simple\wrong\..\path`, "a/simple/path"},
		{"aboveBase", `a\simple\..\..\..\..\path`, "/path"},
		{"aboveBaseDot", `a\simple\..\..\..\..\path.`, "/path."},
		{"normal", "/normal/path", "/normal/path"},
		{"dotSlash", "./", "./"},
		{"dotEnding", "/path.", "/path."},
	},
	// tests/unit/transformer/unicode_normalize_test.cpp, and src/utf8.cpp
	// for the zero-width joiner and the tag characters.
	"unicode_normalize": {
		{"combiningAlone", "\u20dd", ""},
		{"sharpS", "ß", "ss"},
		{"acute", "é", "e"},
		{"dotless", "ı", "i"},
		{"enDash", "–", "-"},
		{"emDash", "—", "-"},
		{"superscript", "⁵", "5"},
		{"fraction", "⅖", "2/5"},
		{"ligature", "ﬁ", "fi"},
		{"mathItalic", "𝑎", "a"},
		{"family", "Å👨\u200d👩\u200d👧\u200d👦", "A👨\u200d👩\u200d👧\u200d👦"},
		{"familyFirst", "👨\u200d👩\u200d👧\u200d👦Å", "👨\u200d👩\u200d👧\u200d👦A"},
		{"mix", "Aa𝑎éßıﬁ2⁵—⅖", "Aaaessifi25-2/5"},
		{"capitalSharpS", "Aẞé", "ASSe"},
		{"graveSharpS", "Àße", "Asse"},
		{"jndi", "${${::-j}nd${upper:ı}:gopher//127.0.0.1:1389}", "${${::-j}nd${upper:i}:gopher//127.0.0.1:1389}"},
		{"manyFractions", strings.Repeat("⅖", 1024), strings.Repeat("2/5", 1024)},
		{"tagSpace", "\xF3\xA0\x80\xA0", " "},
		{"tagLt", "\xF3\xA0\x80\xBC", "<"},
		{"tagA", "\xF3\xA0\x81\x81", "A"},
		{"tagTilde", "\xF3\xA0\x81\xBE", "~"},
		{"tagDel", "\xF3\xA0\x81\xBF", "\x7F"},
		{"ascii", "unicode_normalize but it doesn't matter", "unicode_normalize but it doesn't matter"},
	},
}

// divergences are the rows where rampart decodes more than libddwaf, each
// documented on its transformer: the reference output is in the comment.
var divergences = map[string][]row{
	"url_decode_iis": {
		// libddwaf writes U+FF1C, the fullwidth '<'; IIS and ModSecurity
		// map the fullwidth forms to ASCII.
		{"fullwidth", "%uFF1Cscript%uFF1E", "<script>"},
	},
	"html_entity_decode": {
		// libddwaf knows five names and leaves "&colon;" as it is.
		{"html5Names", "javascript&colon;alert&lpar;1&rpar;", "javascript:alert(1)"},
		// libddwaf writes U+0080; browsers read Windows-1252.
		{"windows1252", "&#128;", "€"},
	},
}

func TestLibddwafVectors(t *testing.T) {
	for _, set := range []map[string][]row{libddwafVectors, divergences} {
		for name, rows := range set {
			f, _, ok := Lookup(name)
			if !ok {
				t.Errorf("no transformer %q", name)
				continue
			}
			for _, r := range rows {
				if got := string(f(nil, []byte(r.in))); got != r.want {
					t.Errorf("%s/%s: %s(%q) = %q, want %q", name, r.name, name, r.in, got, r.want)
				}
			}
		}
	}
}
