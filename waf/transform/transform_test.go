package transform

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// row is one named vector of a transformer's table.
type row struct {
	name, in, want string
}

// tables holds the vectors of every transformer, by canonical name. The
// rows seed the fuzz targets too. TestTablesCoverRegistry fails when a
// registered transformer has no table, or a table names no transformer.
var tables = map[string][]row{
	"lowercase": {
		{"empty", "", ""},
		{"mixed", "BlA", "bla"},
		{"sql", "UNION SELECT 1", "union select 1"},
		{"already", "union select", "union select"},
		{"nonASCIIUntouched", "ÉCOLE Ärger", "École Ärger"},
		{"bounds", "@AZ[`az{", "@az[`az{"},
		{"binary", "\x00\xffA\xc1", "\x00\xffa\xc1"},
	},
	"url_decode": {
		{"empty", "", ""},
		{"plain", "abc", "abc"},
		{"libddwafDoc", "%01hex+encoder%0f", "\x01hex encoder\x0f"},
		{"plus", "a+b++c", "a b  c"},
		{"upperLowerHex", "%3c%3C%3e", "<<>"},
		{"strayPercent", "100%", "100%"},
		{"invalidHex", "%G1%1G%zz", "%G1%1G%zz"},
		{"truncated", "a%4", "a%4"},
		{"percentThenValid", "%%41", "%A"},
		{"onePassOnly", "%2541", "%41"},
		{"nul", "a%00b", "a\x00b"},
		{"highByte", "%ff%FE", "\xff\xfe"},
		{"traversal", "..%2f..%2fetc%2fpasswd", "../../etc/passwd"},
		{"noIIS", "%u0041", "%u0041"},
	},
	"url_decode_iis": {
		{"empty", "", ""},
		{"libddwafDoc", "%u1234", "\xe1\x88\xb4"},
		{"ascii", "%u0041%U0042", "AB"},
		{"plainEscapes", "%41+%42", "A B"},
		{"fullwidth", "%uFF1Cscript%uff1e", "<script>"},
		{"fullwidthBounds", "%uFF01%uFF5E%uFF00%uFF5F", "!~\uff00\uff5f"},
		{"surrogatesEachReplaced", "%uD83D%uDE00", "\ufffd\ufffd"},
		{"loneHigh", "%uD800x", "\ufffdx"},
		{"loneLow", "%uDC00", "\ufffd"},
		{"highThenNonLow", "%uD800%u0041", "\ufffdA"},
		{"latin", "caf%u00e9", "café"},
		{"invalid", "%u12G4%uZZZZ%u12", "%u12G4%uZZZZ%u12"},
		{"stray", "50%", "50%"},
		{"decodedUntilFixedPoint", "%2541", "A"},
		{"deeplyNested", "%25252525252541", "A"},
		{"plusDecodedAgain", "%2B%252B", "  "},
		{"decodedPercentMeetsLiteral", "%%3441", "D1"},
		{"escapeSplitByDecoding", "%2%341", "$1"},
		{"iisThenPlain", "%u0025%u0034%u0031", "A"},
		{"fullwidthPercent", "%uFF0541", "A"},
		{"nul", "%u0000", "\x00"},
		{"stopsWhenInvalid", "%25%zz", "%%zz"},
	},
	"html_entity_decode": {
		{"empty", "", ""},
		{"libddwafDoc", "&lt;&gt;&amp;&quot;&nbsp;", "<>&\"\xa0"},
		{"plain", "a & b", "a & b"},
		{"decimal", "&#60;&#0060;&#60", "<<<"},
		{"singleDigitNoSemicolon", "&#9 &#9", "\t \t"},
		{"hex", "&#x3c;&#X3C;&#x003c&#x3C", "<<<<"},
		{"noDigits", "&#;&#x;&#xg;&#a", "&#;&#x;&#xg;&#a"},
		{"zero", "&#0;", "\ufffd"},
		{"surrogate", "&#xD800;", "\ufffd"},
		{"tooLarge", "&#x110000;&#99999999999999999999;", "\ufffd\ufffd"},
		{"windows1252", "&#128;&#x99;&#x81;", "€™\u0081"},
		{"astral", "&#x1F600;", "😀"},
		{"namedNeedsSemicolon", "&ltscript&gt", "&ltscript&gt"},
		{"noPrefixMatch", "&notit; &ampx", "&notit; &ampx"},
		{"legacyNameNeedsSemicolon", "&frac12x &frac12;", "&frac12x ½"},
		{"nbspAnyCase", "&NBSP;&Nbsp;", "\xa0\xa0"},
		{"html5NeedsSemicolon", "&colon &colon;", "&colon :"},
		{"xssPunctuation", "javascript&colon;alert&lpar;1&rpar;", "javascript:alert(1)"},
		{"whitespace", "java&Tab;scr&NewLine;ipt", "java\tscr\nipt"},
		{"unknown", "&foo; &xyzzy", "&foo; &xyzzy"},
		{"libddwafNamesAnyCase", "&Amp; &aMp; &Lt;", "& & <"},
		{"otherNamesCaseSensitive", "&Colon; &colon;", "&Colon; :"},
		{"uppercase", "&AMP;&LT&QUOT;", "&&LT\""},
		{"greek", "&alpha;&Omega;", "αΩ"},
		{"langIsHTML5", "&lang;&rang;", "\u27e8\u27e9"},
		{"doubleEncoded", "&amp;lt;", "&lt;"},
		{"lone", "&", "&"},
		{"trailing", "a&", "a&"},
		{"longRun", "&" + strings.Repeat("a", 40) + ";", "&" + strings.Repeat("a", 40) + ";"},
	},
	"js_decode": {
		{"empty", "", ""},
		{"plain", "no JS transformations", "no JS transformations"},
		{"hex", `\x41\x20\x4aS\x20transf\x6Frmations`, "A JS transformations"},
		{"hexIsByte", `\xe9`, "\xe9"},
		{"simple", `\a\b\c\f\n\r\t\v\z\x\u`, "\a\bc\f\n\r\t\vz"},
		{"identity", `\\\'\"\/`, `\'"/`},
		{"unicode", `\u0041 JS \ud83e\udd14 transformations\uff01`, "A JS 🤔 transformations！"},
		{"maxPair", `Test \udbff\udfff`, "Test \U0010FFFF"},
		{"loneSurrogate", `Test\x20\ud801`, "Test \ufffd"},
		{"highThenNonLow", `\ud801\u0041`, "\ufffdA"},
		{"trailingBackslash", `Test\x20\`, `Test \`},
		{"backslashSpace", `Test\x20\ `, "Test  "},
		{"truncatedHex", `Test\x20\x`, "Test "},
		{"truncatedUnicode", `Test\x20\u`, "Test "},
		{"badHexKept", `\x4g`, "4g"},
		{"braces", `\u{41}\u{1F600}\u{00000041}`, "A😀A"},
		{"bracesTooLarge", `\u{110000}\u{FFFFFFFFFF}`, "\ufffd\ufffd"},
		{"bracesSurrogate", `\u{D800}`, "\ufffd"},
		{"bracesMalformed", `\u{}\u{12\u{zz}`, "{}{12{zz}"},
		{"octal", `\101\60\0\7`, "A0\x00\a"},
		{"octalMax", `\377\400`, "\xff 0"},
		{"octalStopsAtNonOctal", `\18`, "\x018"},
	},
	"css_decode": {
		{"empty", "", ""},
		{"plain", "color: red", "color: red"},
		{"libddwafDoc", "\"CSS\\\n tran\\sf", "\"CSS transf"},
		{"hexSpaceSwallowed", `\3c script\3E`, "<script>"},
		{"hexCRLF", "\\3c\r\nx", "<x"},
		{"oneSpaceOnly", `\41  B`, "A B"},
		{"sixDigits", `\00003C1`, "<1"},
		{"astral", `\1F600`, "😀"},
		{"zero", `\0`, "\ufffd"},
		{"surrogate", `\D800`, "\ufffd"},
		{"tooLarge", `\110000`, "\ufffd"},
		{"simple", `\s\(\)\\`, `s()\`},
		{"lineContinuation", "a\\\nb", "ab"},
		{"trailingBackslash", `ab\`, "ab"},
		{"expression", `\65 x\p\r\65 \s\s\i\o\n(alert(1))`, "expression(alert(1))"},
		{"hexLetterIsHex", `\e`, "\x0e"},
		{"javascriptURL", `\6a\61vascript:`, "javascript:"},
	},
	"base64_decode": {
		{"empty", "", ""},
		{"padded", "Zm9vYmFy", "foobar"},
		{"onePad", "Zm9vYg==", "foob"},
		{"noPad", "Zm9vYg", "foob"},
		{"twoLeft", "Zm9vYmE", "fooba"},
		{"loneLetterDecoded", "Zm9vY", "foo`"},
		{"libddwafIntegration", "J09SIDE9MS8q", "'OR 1=1/*"},
		{"paddingInsideNotBase64", "Zm==============9v", "Zm==============9v"},
		{"invalidNotDecoded", "Zm9v!Zm9v", "Zm9v!Zm9v"},
		{"spaceNotDecoded", "Zm9v Zm9v", "Zm9v Zm9v"},
		{"stdAlphabet", "+/+/", "\xfb\xff\xbf"},
		{"urlAlphabetNotDecoded", "ab-_", "ab-_"},
		{"notBase64", "!!!", "!!!"},
		{"paddingAfterFullGroup", "Zm9v=", "foo"},
		{"tooMuchPadding", "Zm9vYg===", "Zm9vYg==="},
		{"zeroBytesDropped", "ZAA=", "d"},
	},
	"base64url_decode": {
		{"empty", "", ""},
		{"plain", "Zm9vYmFy", "foobar"},
		{"urlAlphabet", "-_-_", "\xfb\xff\xbf"},
		{"stdAlphabetNotDecoded", "ab+/", "ab+/"},
		{"jwtHeader", "eyJhbGciOiJIUzI1NiJ9", `{"alg":"HS256"}`},
		{"noPad", "Zm9vYg", "foob"},
		{"padded", "Zm9vYg==", "foob"},
	},
	"compress_whitespace": {
		{"empty", "", ""},
		{"none", "c w", "c w"},
		{"leading", "  c", " c"},
		{"middle", "c      w", "c w"},
		{"trailing", "c  ", "c "},
		{"both", "      compress  white     space transformer     ", " compress white space transformer "},
		{"allKinds", "a\t\n\v\f\r b", "a b"},
		{"singleTab", "a\tb", "a b"},
		{"onlySpaces", " \t\n", " "},
		{"nbspKept", "a\u00a0\u00a0b", "a\u00a0\u00a0b"},
	},
	"remove_nulls": {
		{"empty", "", ""},
		{"libddwafDoc", "bla\x00bla", "blabla"},
		{"only", "\x00\x00\x00", ""},
		{"edges", "\x00a\x00", "a"},
		{"none", "abc", "abc"},
		{"encodedUntouched", "%00", "%00"},
	},
	"remove_stack_frames": {
		{"empty", "", ""},
		{"frame", "\tat java.lang.reflect.Method.invoke(Method.java:498)", "\t "},
		{"nativeFrame", "at sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)", " "},
		{"modulePrefix", "at java.base/java.lang.Thread.run(Thread.java:829)", " "},
		{"kotlinNoLine", "at com.example.Foo.<init>(Foo.kt)", " "},
		{"causedBy", "Caused by: java.io.IOException: Broken pipe", "Caused by:  : Broken pipe"},
		{"nested", "nested exception is java.lang.IllegalArgumentException", "nested exception is  "},
		{"error", "java.lang.OutOfMemoryError: Java heap space", " : Java heap space"},
		{"spelPayload", "${T(java.lang.Runtime).getRuntime().exec('id')}", "${T(java.lang.Runtime).getRuntime().exec('id')}"},
		{"jsonType", `{"@type":"com.sun.rowset.JdbcRowSetImpl","dataSourceName":"ldap://x/a"}`, `{"@type":"com.sun.rowset.JdbcRowSetImpl","dataSourceName":"ldap://x/a"}`},
		{"gadget", "org.apache.commons.collections.functors.InvokerTransformer", "org.apache.commons.collections.functors.InvokerTransformer"},
		{"unqualified", "IOException alone is a word", "IOException alone is a word"},
		{"constructorCall", "new java.io.File(\"/etc/passwd\")", "new java.io.File(\"/etc/passwd\")"},
		{"noDotInMethod", "call(a.java)x", "call(a.java)x"},
		{"noLineAfterColon", "x.y(Z.java:)", "x.y(Z.java:)"},
	},
	"remove_comments": {
		{"empty", "", ""},
		{"libddwafDoc", "a/*b*/c<!--d-->e--f", "ace"},
		{"none", "remove_comments but it doesn't matter", "remove_comments but it doesn't matter"},
		{"lonePrefixes", "- / < <! <!-", "- / < <! <!-"},
		{"shell", "bar#foo", "bar"},
		{"sql", "bar--foo", "bar"},
		{"cpp", "bar//foo", "bar"},
		{"sqlEndsAtNewline", "1-- x\nUNION SELECT", "1\nUNION SELECT"},
		{"shellEndsAtNewline", "a#b\nc#d\ne", "a\nc\ne"},
		{"cBlock", "bar/*foo*/bar/*foo*/bar", "barbarbar"},
		{"cUnterminated", "bar/*foo bar", "bar"},
		{"cEmpty", "foo/**/bar", "foobar"},
		{"cNoNesting", "bar/*/*foo*/*/bar", "bar*/bar"},
		{"cSpansLines", "a/*\n#x\n*/b", "ab"},
		{"mysqlVersioned", "UNION/*!50000SELECT*/1", "UNION1"},
		{"html", "bar<!--foo-->bar<!--foo-->bar", "barbarbar"},
		{"htmlUnterminated", "bar<!--foo bar", "bar"},
		{"htmlEmpty", "foo<!---->bar", "foobar"},
		{"htmlThenDashes", "bar<!--<!--foo-->-->bar", "bar"},
		{"url", "http://x", "http:"},
	},
	"normalize_path": {
		{"empty", "", ""},
		{"dotFile", "./file", "file"},
		{"relative", "./a/simple/path", "a/simple/path"},
		{"dotSegment", "a/simple/./path", "a/simple/path"},
		{"dotDot", "./a/simple/wrong/../path", "a/simple/path"},
		{"aboveRelativeBase", "a/simple/../../../../path", "/path"},
		{"aboveRelativeBaseDot", "a/simple/../../../../path.", "/path."},
		{"leadingDotDot", "../../etc/passwd", "/etc/passwd"},
		{"aboveRoot", "/../../etc/passwd", "/etc/passwd"},
		{"absolute", "/normal/path", "/normal/path"},
		{"trailingSlash", "/normal/path/to/dir/", "/normal/path/to/dir/"},
		{"plainRelative", "path/to/somewhere", "path/to/somewhere"},
		{"dotSlashKept", "./", "./"},
		{"dotKept", ".", "."},
		{"root", "/", "/"},
		{"rootDotDot", "/..", "/"},
		{"dotEnding", "/path.", "/path."},
		{"doubleSlashKept", "//a///b//", "//a///b//"},
		{"endsInDotKept", "/a/b/.", "/a/b/."},
		{"trailingDotSlashKept", "a/./", "a/./"},
		{"trailingDotSlashAfterMove", "./a/./", "a/"},
		{"endsInDotDot", "/a/b/..", "/a/"},
		{"toRoot", "a/..", "/"},
		{"toRootThenUp", "a/../..", "/"},
		{"leadingDotDotAloneKept", "../a", "../a"},
		{"dotDotAfterSkippedDot", "a/./x/..", "a/"},
		{"dotsInNames", "/a/.../..b/b../.c", "/a/.../..b/b../.c"},
		{"backslashNotSeparator", `a\..\b`, `a\..\b`},
		{"mixed", "/var/www/../../../etc/./passwd", "/etc/passwd"},
	},
	"normalize_path_win": {
		{"empty", "", ""},
		{"dotFile", `.\file`, "file"},
		{"relative", `.\a\simple\path`, "a/simple/path"},
		{"dotSegment", `a\simple\.\path`, "a/simple/path"},
		{"dotDot", `.\a\simple\wrong\..\path`, "a/simple/path"},
		{"aboveRelativeBase", `a\simple\..\..\..\..\path`, "/path"},
		{"aboveRelativeBaseDot", `a\simple\..\..\..\..\path.`, "/path."},
		{"slashes", "/normal/path/to/dir/", "/normal/path/to/dir/"},
		{"mixedSeparators", `a/b\..\c/.\d`, "a/c/d"},
		{"drive", `C:\x\..\y`, "C:/y"},
		{"unc", `\\server\share\..\x`, "//server/x"},
		{"onlyBackslashes", `a\b`, "a/b"},
		{"winIni", `..\..\windows\win.ini`, "/windows/win.ini"},
	},
	"shell_unescape": {
		{"empty", "", ""},
		{"unchanged", "normal sentence(really)", "normal sentence(really)"},
		{"spaceBeforeParen", "normal sentence (really)", "normal sentence(really)"},
		{"spaceBeforeSlash", "normal sentence /really", "normal sentence/really"},
		{"quotesAndEscapes", `normal\ sent"enc'e re^ally`, "normal sentence really"},
		{"separators", "normal;sentence,really", "normal sentence really"},
		{"separatorsAndSpaces", "normal; sentence, really", "normal sentence really"},
		{"whitespaceRun", "normal sentence \t \v \f \n \r  really", "normal sentence really"},
		{"lowercase", "normal sentence REALLY", "normal sentence really"},
		{"runBeforeParen", "normal sentence \t \v \f \n \r  (really)", "normal sentence(really)"},
		{"trailingQuote", "bla '", "bla "},
		{"trailingSemicolon", "bla ;", "bla "},
		{"trailingSlash", "bla /", "bla/"},
		{"deletedCharsDoNotSplitRun", "a ' /b", "a/b"},
		{"obfuscatedCat", `C^A"T' /e\t\c/pa''ss"wd`, "cat/etc/passwd"},
		{"leading", "  ls", " ls"},
	},
	"unicode_normalize": {
		{"empty", "", ""},
		{"ascii", "unicode_normalize but it doesn't matter", "unicode_normalize but it doesn't matter"},
		{"combiningAlone", "\u20dd", ""},
		{"sharpS", "ß", "ss"},
		{"capitalSharpS", "Aẞé", "ASSe"},
		{"acute", "é", "e"},
		{"decomposed", "e\u0301", "e"},
		{"dotless", "ı", "i"},
		{"dashes", "–—", "--"},
		{"superscript", "⁵", "5"},
		{"fraction", "⅖", "2/5"},
		{"ligature", "ﬁ", "fi"},
		{"mathItalic", "𝑎", "a"},
		{"libddwafMix", "Aa𝑎éßıﬁ2⁵—⅖", "Aaaessifi25-2/5"},
		{"zwjKept", "Å👨\u200d👩", "A👨\u200d👩"},
		{"zwnjRemoved", "java\u200cscript", "javascript"},
		{"joinersAndIgnorables", "a\u2060b\u00adc\u034fd\ufe0fe\u202ef", "abcdef"},
		{"languageTag", "\U000E0001x", "\x01x"},
		{"otherTagsRemoved", "a\U000E0002\U000E0080\U000E01EFb", "ab"},
		{"invalidDroppedWhenRewritten", "é\xffx\xc3", "ex"},
		{"overlongDecodedWhenRewritten", "é\xc0\xaf..\xc0\xaf", "e/../"},
		{"overlongKeptAlone", "..\xc0\xaf", "..\xc0\xaf"},
		{"surrogateReplacedWhenRewritten", "é\xed\xa0\x80", "e\ufffd"},
		{"jndi", "${${::-j}nd${upper:ı}:gopher//127.0.0.1:1389}", "${${::-j}nd${upper:i}:gopher//127.0.0.1:1389}"},
		{"tags", "\U000E0020\U000E0041\U000E007A\U000E007F", " Az\x7f"},
		{"fullwidth", "＜ｓｃｒｉｐｔ＞ａｌｅｒｔ（１）", "<script>alert(1)"},
		{"mathBoldDigits", "𝟏𝟐𝟑", "123"},
		{"mathScriptAndFraktur", "𝓪𝔞𝕒𝚊", "aaaa"},
		{"circled", "ⓐⒷ⓪⑴⑽⒜⒈①⑳", "aB0(1)(10)(a)1.120"},
		{"roman", "ⅧⅻⅯ", "VIIIxiiM"},
		{"latinExtA", "ŁódźŚĲœ", "LodzSIJoe"},
		{"vietnamese", "Tiếng Việt", "Tieng Viet"},
		{"letterlike", "ℌℯℓℓℴ™", "HelloTM"},
		{"quotes", "“a” ‘b’", "\"a\" 'b'"},
		{"spaces", "a\u00a0b\u2003c\u3000d", "a b c d"},
		{"zeroWidth", "java\u200bscr\ufeffipt", "javascript"},
		{"invalidUTF8Kept", "a\xffb\xc3", "a\xffb\xc3"},
		{"cjkKept", "日本語", "日本語"},
		{"greekKept", "αβγ", "αβγ"},
	},
	"base64_encode": {
		{"empty", "", ""},
		{"full", "foobar", "Zm9vYmFy"},
		{"twoLeft", "fooba", "Zm9vYmE="},
		{"oneLeft", "foob", "Zm9vYg=="},
		{"one", "f", "Zg=="},
		{"highBytes", "\x80\x80\x80\x80\x80\x80", "gICAgICA"},
		{"value62", "\xfb\xef\xbe", "++++"},
		{"value63IsDash", "\xff\xff\xff", "----"},
		{"sql", "' OR 1=1--", "JyBPUiAxPTEtLQ=="},
	},
	"url_path": {
		{"empty", "", ""},
		{"query", "/path/index.php?a=b", "/path/index.php"},
		{"fragment", "/path/index.php#frag", "/path/index.php"},
		{"both", "/path/index/?a=b#frag", "/path/index/"},
		{"onlyQuery", "?a=b", ""},
		{"unchanged", "/path/to/index/", "/path/to/index/"},
		{"fullURL", "https://h.example:8080/a/b?c=d", "https://h.example:8080/a/b"},
		{"fragmentBeforeQuery", "/a#b?c", "/a"},
	},
	"url_basename": {
		{"empty", "", ""},
		{"relative", "index.php?a=b#frag", "index.php"},
		{"absolute", "/path/index.php?a=b", "index.php"},
		{"trailingSlash", "/path/index/?a=b", ""},
		{"root", "/", ""},
		{"onlyQuery", "?a=b", ""},
		{"noSlashUnchanged", "index.php", "index.php"},
		{"slashInQueryIgnored", "/a/b.jsp?next=/c/d", "b.jsp"},
		{"hostOnly", "http://host.example", "host.example"},
		{"fullURL", "http://h/x/../etc/passwd", "passwd"},
	},
	"url_querystring": {
		{"empty", "", ""},
		{"query", "index.php?a=b&c=d&e=f", "a=b&c=d&e=f"},
		{"fragmentDropped", "/q/index.php?a=b#frag", "a=b"},
		{"noQuery", "index.php", ""},
		{"onlyFragment", "/#frag", ""},
		{"onlyQuery", "?a=b", "a=b"},
		{"questionMarkKept", `?a=b&c="?sndj"`, `a=b&c="?sndj"`},
		{"fragmentFirst", "/a#b?c", ""},
	},
}

func TestTables(t *testing.T) {
	for name, rows := range tables {
		f, _, ok := Lookup(name)
		if !ok {
			t.Errorf("table for unregistered transformer %q", name)
			continue
		}
		for _, r := range rows {
			t.Run(name+"/"+r.name, func(t *testing.T) {
				if got := string(f(nil, []byte(r.in))); got != r.want {
					t.Errorf("%s(%q) = %q, want %q", name, r.in, got, r.want)
				}
				// The same through a non-empty dst with spare capacity.
				dst := make([]byte, 3, 3+MaxGrowth*len(r.in)+8)
				copy(dst, "pre")
				if got := string(f(dst, []byte(r.in))); got != "pre"+r.want {
					t.Errorf("%s(dst=pre, %q) = %q, want %q", name, r.in, got, "pre"+r.want)
				}
			})
		}
	}
}

// wantNames is the required set and wantAliases libddwaf's legacy names.
var (
	wantNames = []string{
		"base64_decode", "base64_encode", "base64url_decode", "compress_whitespace", "css_decode",
		"html_entity_decode", "js_decode", "lowercase", "normalize_path",
		"normalize_path_win", "remove_comments", "remove_nulls", "remove_stack_frames", "shell_unescape",
		"unicode_normalize", "url_basename", "url_decode", "url_decode_iis", "url_path",
		"url_querystring",
	}
	wantAliases = map[string]string{
		"base64Decode": "base64_decode", "compressWhiteSpace": "compress_whitespace",
		"cssDecode": "css_decode", "htmlEntityDecode": "html_entity_decode",
		"jsDecode": "js_decode", "normalizePath": "normalize_path",
		"normalizePathWin": "normalize_path_win", "removeComments": "remove_comments",
		"removeNulls": "remove_nulls", "cmdLine": "shell_unescape",
		"urlDecode": "url_decode", "urlDecodeUni": "url_decode_iis",
		"base64Encode": "base64_encode", "_sqr_basename": "url_basename",
		"_sqr_filename": "url_path", "_sqr_querystring": "url_querystring",
	}
)

func TestRegistry(t *testing.T) {
	if got := Names(); !slices.Equal(got, wantNames) {
		t.Errorf("Names() = %q\nwant %q", got, wantNames)
	}
	for _, n := range wantNames {
		if _, c, ok := Lookup(n); !ok || c != n {
			t.Errorf("Lookup(%q) = %q, %v", n, c, ok)
		}
	}
	for a, n := range wantAliases {
		f, c, ok := Lookup(a)
		g, _, _ := Lookup(n)
		if !ok || c != n || f == nil {
			t.Errorf("Lookup(%q) = %q, %v; want %q", a, c, ok, n)
			continue
		}
		in := []byte("A%41&lt;\\x41")
		if !bytes.Equal(f(nil, in), g(nil, in)) {
			t.Errorf("alias %q does not run %q", a, n)
		}
	}
	if len(aliases) != len(wantAliases) {
		t.Errorf("%d aliases registered, want %d", len(aliases), len(wantAliases))
	}
	for _, n := range []string{"keys_only", "values_only", "", "LOWERCASE", "none"} {
		if _, _, ok := Lookup(n); ok {
			t.Errorf("Lookup(%q) succeeded", n)
		}
	}
}

func TestTablesCoverRegistry(t *testing.T) {
	for _, n := range Names() {
		if len(tables[n]) < 5 {
			t.Errorf("transformer %q has %d table rows, want at least 5", n, len(tables[n]))
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Func
		alias []string
	}{
		{"", lowercase, nil},
		{"x_nil", nil, nil},
		{"lowercase", lowercase, nil},
		{"x_dup_alias", lowercase, []string{"urlDecode"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("register(%q, %v) did not panic", tc.name, tc.alias)
				}
			}()
			register(tc.name, tc.f, tc.alias...)
		}()
	}
	delete(funcs, "x_dup_alias") // registered before its alias panicked
}

// TestNoAllocs checks that no transformer allocates when dst has room, on
// every table row.
func TestNoAllocs(t *testing.T) {
	for _, n := range Names() {
		f, _, _ := Lookup(n)
		for _, r := range tables[n] {
			in := []byte(r.in)
			dst := make([]byte, 0, MaxGrowth*len(in)+8)
			if a := testing.AllocsPerRun(50, func() { _ = f(dst[:0], in) }); a != 0 {
				t.Errorf("%s/%s: %v allocations per run, want 0", n, r.name, a)
			}
		}
	}
}

// TestPathologicalInputs runs every transformer over long inputs built to
// make a careless decoder rescan: nested escapes, unterminated comments and
// references, runs of ".." segments. Each must finish (a quadratic
// transformer would take minutes on 256 KiB, not milliseconds; no time is
// asserted) and keep to its bound.
func TestPathologicalInputs(t *testing.T) {
	const size = 256 << 10
	patterns := []string{
		"%25", "%u", "%uD83D", "&", "&#", "&#x", "&amp", "&" + strings.Repeat("a", 20),
		`\`, `\u{`, `\u{0`, `\ud800`, `\x`, "/*", "*/", "<!--", "--", "#\n", "//",
		"../", "a/", "./", `..\`, "/", "\x00", " \t", "'\"^", "\u0301", "\xff", "Zm9v", "=",
	}
	for _, p := range patterns {
		in := []byte(strings.Repeat(p, size/len(p)))
		for _, n := range Names() {
			f, _, _ := Lookup(n)
			out := f(nil, in)
			g := growth[n]
			if len(out)*g.den > g.num*len(in) {
				t.Errorf("%s on %q*%d: %d bytes out", n, p, size/len(p), len(out))
			}
		}
	}
}

// TestKeeps: a transformer's unchanged-value check answers true on values
// the transformer leaves as they are, and false on some it changes
// (FuzzTransformers checks that it never says unchanged wrongly).
func TestKeeps(t *testing.T) {
	for _, tc := range []struct {
		name       string
		kept, gone string
	}{
		{"lowercase", "already lower, 123 é", "Upper"},
		{"url_decode", "/a/b?c=d&e", "a%20b"},
		{"url_decode", "plain", "a+b"},
		{"url_decode_iis", "/a/b?c=d&e", "%u0041"},
		{"remove_nulls", "no nul here", "a\x00b"},
		{"shell_unescape", "cat/etc/passwd", "c'a't /etc"},
		{"html_entity_decode", "a < b; c", "&lt;"},
		{"js_decode", "alert(1) // x", `\x41`},
		{"remove_comments", "a-b / c <! d - /", "a/*b*/c"},
		{"remove_comments", "a-b", "a--b"},
		{"remove_comments", "a/b", "a//b"},
		{"remove_comments", "a<!-b", "a<!--b-->c"},
		{"remove_comments", "a", "a#b"},
		{"remove_stack_frames", "a plain sentence", "at com.acme.App.main(App.java:42)"},
		{"remove_stack_frames", "Mozilla/5.0 (X11; Linux x86_64) f(x)", "x (Native Method)"},
		{"remove_stack_frames", "(a.b) (c.javascript:1)", "java.io.IOException"},
		{"shell_unescape", "a sentence with single spaces ", "two  spaces"},
		{"shell_unescape", " leading space", "ls /etc"},
		{"shell_unescape", "f(x) a/b", "f (x)"},
		{"shell_unescape", "tab-free", "a\tb"},
	} {
		keep := Keeps(tc.name)
		if keep == nil {
			t.Fatalf("%s has no Keeps", tc.name)
		}
		fn, _, _ := Lookup(tc.name)
		if !keep([]byte(tc.kept)) || string(fn(nil, []byte(tc.kept))) != tc.kept {
			t.Errorf("%s: %q is kept", tc.name, tc.kept)
		}
		if keep([]byte(tc.gone)) {
			t.Errorf("%s: Keeps(%q) is true, but the transformer changes it", tc.name, tc.gone)
		}
	}
	if Keeps("base64_decode") != nil {
		t.Error("base64_decode has a Keeps")
	}
}

// TestShellKeepsExact: on every short string of the bytes shell_unescape
// treats apart, shellKeeps says exactly whether it is left as it is, and
// ShellKeepsFolded whether its output is the string lowercased.
func TestShellKeepsExact(t *testing.T) {
	alphabet := []byte{'a', 'B', ' ', '/', '(', '\\', '"', '\'', '^', ',', ';', '\t', '-'}
	var rec func(prefix []byte, n int)
	rec = func(s []byte, n int) {
		out := shellUnescape(nil, s)
		if got, want := shellKeeps(s), string(out) == string(s); got != want {
			t.Fatalf("shellKeeps(%q) = %v, output %q", s, got, out)
		}
		if got, want := ShellKeepsFolded(s), string(out) == string(lowercase(nil, s)); got != want {
			t.Fatalf("ShellKeepsFolded(%q) = %v, output %q", s, got, out)
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			rec(append(s, c), n-1)
		}
	}
	rec(nil, 5)
}
