package httpinput

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// bodyRow is one body parsing case; the same rows seed the fuzz targets.
type bodyRow struct {
	name  string
	ct    string
	body  string
	want  string // render of server.request.body
	files string // render of the file names ("null" when none)
	err   string // "" none, "syntax" a *SyntaxError, "truncated" ErrTruncated
}

var jsonRows = []bodyRow{
	{name: "object", ct: "application/json", body: `{"a":"b","n":-1.5e3,"t":true,"f":false,"z":null}`,
		want: `{"a":"b","n":-1.5e3,"t":true,"f":false,"z":null}`},
	{name: "key order and repeats kept", ct: "application/json", body: `{"z":1,"a":2,"z":3}`, want: `{"z":1,"a":2,"z":3}`},
	{name: "nested", ct: "application/json; charset=utf-8", body: ` { "q" : [ 1 , {"x": []} , {} ] } `, want: `{"q":[1,{"x":[]},{}]}`},
	{name: "escapes", ct: "application/json", body: `{"s":"a\"b\\c\/d\n\u0027\u00e9\ud83d\ude00"}`, want: `{"s":"a\"b\\c/d\n'é😀"}`},
	{name: "lone surrogate", ct: "application/json", body: `["\ud800x","\udc00"]`, want: "[\"\ufffdx\",\"\ufffd\"]"},
	{name: "high surrogate then non-low escape", ct: "application/json", body: `["\ud800\u0041"]`, want: "[\"\ufffdA\"]"},
	{name: "top-level string", ct: "application/json", body: `"' or 1=1--"`, want: `"' or 1=1--"`},
	{name: "top-level number", ct: "application/json", body: `0`, want: `0`},
	{name: "graphql", ct: "application/json", body: `{"query":"query { user(id: \"1\") { name } }","variables":{"id":"1' OR '1'='1"}}`,
		want: `{"query":"query { user(id: \"1\") { name } }","variables":{"id":"1' OR '1'='1"}}`},
	{name: "type case and +json", ct: "Application/Vnd.Api+JSON", body: `{"a":1}`, want: `{"a":1}`},
	{name: "csp report", ct: "application/csp-report", body: `{"csp-report":{"blocked-uri":"x"}}`, want: `{"csp-report":{"blocked-uri":"x"}}`},
	{name: "bom", ct: "application/json", body: "\uFEFF[1]", want: `[1]`},
	{name: "invalid falls back to raw", ct: "application/json", body: `{"a":1,}`, want: `"{\"a\":1,}"`, err: "syntax"},
	{name: "trailing data", ct: "application/json", body: `{"a":1} {"b":2}`, want: `"{\"a\":1} {\"b\":2}"`, err: "syntax"},
	{name: "leading zero", ct: "application/json", body: `[01]`, want: `"[01]"`, err: "syntax"},
	{name: "bad escape", ct: "application/json", body: `["\x"]`, want: `"[\"\\x\"]"`, err: "syntax"},
	{name: "control character", ct: "application/json", body: "[\"a\tb\"]", want: `"[\"a\tb\"]"`, err: "syntax"},
	{name: "unterminated", ct: "application/json", body: `{"a":"b`, want: `"{\"a\":\"b"`, err: "syntax"},
	{name: "bad literal", ct: "application/json", body: `[tru]`, want: `"[tru]"`, err: "syntax"},
	{name: "empty", ct: "application/json", body: ` `, want: `" "`, err: "syntax"},
}

var formRows = []bodyRow{
	{name: "form", ct: "application/x-www-form-urlencoded", body: "user=admin&pass=a%27+or+1%3D1--&pass=2",
		want: `{"user":["admin"],"pass":["a' or 1=1--","2"]}`},
	{name: "form empty segments and no value", ct: "application/x-www-form-urlencoded; charset=UTF-8", body: "&a&&b=&=c&",
		want: `{"a":[""],"b":[""],"":["c"]}`},
	{name: "form malformed escapes kept", ct: "application/x-www-form-urlencoded", body: "q=%zz%4%41%",
		want: `{"q":["%zz%4A%"]}`},
	{name: "form only first = splits", ct: "application/x-www-form-urlencoded", body: "a=b=c",
		want: `{"a":["b=c"]}`},
}

var rawRows = []bodyRow{
	{name: "text plain", ct: "text/plain", body: `{"foo" : ";cat /etc/passwd"}`, want: `"{\"foo\" : \";cat /etc/passwd\"}"`},
	{name: "no content type", ct: "", body: "3\r\nHi \r\n0\r\n\r\n", want: `"3\r\nHi \r\n0\r\n\r\n"`},
	{name: "unknown type", ct: "my-new-content-type", body: "test", want: `"test"`},
	{name: "garbage content type", ct: `%{(#nike='multipart/form-data')}`, body: "x", want: `"x"`},
	{name: "graphql query text", ct: "application/graphql", body: "{ user { id } }", want: `"{ user { id } }"`},
}

var multipartRows = []bodyRow{
	{name: "fields and file", ct: "multipart/form-data; boundary=----WebKitFormBoundaryX",
		body: "------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na' or 1=1--\r\n" +
			"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"up\"; filename=\"../../shell.php\"\r\nContent-Type: application/x-php\r\n\r\n<?php system($_GET['c']); ?>\r\n" +
			"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nsecond\r\n" +
			"------WebKitFormBoundaryX--\r\n",
		want:  `{"email":["a' or 1=1--","second"],"up":[{"filename":"../../shell.php","content_type":"application/x-php","content":"<?php system($_GET['c']); ?>"}]}`,
		files: `["../../shell.php"]`},
	{name: "bare LF and preamble", ct: "multipart/form-data; boundary=0000",
		body:  "preamble\n--0000\nContent-Disposition: form-data; name=\"name\"\n\nJohn Smith\n--0000\nContent-Disposition: form-data; name=\"image\"; filename=\"image.jpg\"\nContent-Type: image/jpeg\n\nBINARYDATA\n--0000--\n",
		want:  `{"name":["John Smith"],"image":[{"filename":"image.jpg","content_type":"image/jpeg","content":"BINARYDATA"}]}`,
		files: `["image.jpg"]`},
	{name: "binary file content not inspected", ct: `multipart/form-data; boundary="b"`,
		body:  "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\x01' or 1=1\r\n--b--",
		want:  `{"f":[{"filename":"a.png","content_type":"image/png"}]}`,
		files: `["a.png"]`},
	{name: "empty filename is a field", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\npayload\r\n--b--\r\n",
		want: `{"f":["payload"]}`},
	{name: "filename star and escaped quote", ct: "multipart/form-data; boundary=b",
		body:  "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\\\"b.txt\"; filename*=UTF-8''%2e%2e%2fx.txt\r\n\r\nhi\r\n--b--\r\n",
		want:  `{"f":[{"filename":"../x.txt","content_type":"","content":"hi"}]}`,
		files: `["a\"b.txt","../x.txt"]`},
	{name: "windows path kept", ct: "multipart/form-data; boundary=b",
		body:  "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"C:\\temp\\x.txt\"\r\n\r\n\r\n--b--\r\n",
		want:  `{"f":[{"filename":"C:\\temp\\x.txt","content_type":""}]}`,
		files: `["C:\\temp\\x.txt"]`},
	{name: "quoted printable decoded", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=3Cscript=3E\r\n--b--\r\n",
		want: `{"q":["<script>"]}`},
	{name: "boundary-like line inside content", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nx\r\n--bc\r\ny\r\n--b--\r\n",
		want: `{"q":["x\r\n--bc\r\ny"]}`},
	{name: "empty part content", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n\r\n--b--",
		want: `{"q":[""]}`},
	{name: "folded header line", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data;\r\n\tname=\"q\"\r\n\r\nv\r\n--b--\r\n",
		want: `{"q":["v"]}`},
	{name: "malformed part header falls back", ct: "multipart/form-data; boundary=b",
		body: "--b\ntest\n--b--\n", want: `"--b\ntest\n--b--\n"`, err: "syntax"},
	{name: "LF delimiter inside a CRLF body is content", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\n--b\nX-Hidden: ' or 1=1\n\nmore\r\n--b--\r\n",
		want: `{"a":["x\n--b\nX-Hidden: ' or 1=1\n\nmore"]}`},
	{name: "multipart other subtype", ct: "multipart/foo; boundary=0000",
		body: "--0000\nContent-Disposition: form-data; name=\"a\"\n\n1\n--0000--\n",
		want: `{"a":["1"]}`},
	{name: "no boundary", ct: "multipart/related", body: "test", want: `"test"`, err: "syntax"},
	{name: "no closing delimiter", ct: "multipart/form-data; boundary=b",
		body: "--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nx", want: `"--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nx"`, err: "syntax"},
	{name: "no delimiter", ct: "multipart/form-data; boundary=b", body: "hello", want: `"hello"`, err: "syntax"},
}

var xmlRows = []bodyRow{
	{name: "elements and attributes", ct: "application/xml",
		body: `<?xml version="1.0"?><root><a probe="&#10;POST / HTTP/1.1"></a><b>x &lt;y&gt;</b><b>2</b></root>`,
		want: `{"root":{"a":{"@probe":"\nPOST / HTTP/1.1"},"b":"x <y>","b":"2"}}`},
	{name: "xxe doctype kept, entity not resolved", ct: "text/xml; charset=ISO-8859-1",
		body: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<foo>&xxe;</foo>",
		want: `{"#doctype":"<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>","foo":"&xxe;"}`},
	{name: "soap namespaces and indentation", ct: "application/soap+xml; action=\"urn:x\"",
		body: "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">\n  <soap:Body>\n    <m:Get xmlns:m=\"urn:m\"><m:Id>1 or 1=1</m:Id></m:Get>\n  </soap:Body>\n</soap:Envelope>",
		want: `{"soap:Envelope":{"@xmlns:soap":"http://www.w3.org/2003/05/soap-envelope","soap:Body":{"m:Get":{"@xmlns:m":"urn:m","m:Id":"1 or 1=1"}}}}`},
	{name: "mixed text comment cdata pi", ct: "text/xml",
		body: `<?xml-stylesheet href="x.xsl"?><a>t1<!-- c --><b/>t2<![CDATA[<script>]]></a>`,
		want: `{"?xml-stylesheet":"href=\"x.xsl\"","a":{"#text":"t1","#comment":" c ","b":"","#text":"t2","#text":"<script>"}}`},
	{name: "empty element", ct: "text/xml", body: `<a/>`, want: `{"a":""}`},
	{name: "svg is xml", ct: "image/svg+xml", body: `<svg onload="alert(1)"/>`, want: `{"svg":{"@onload":"alert(1)"}}`},
	{name: "mismatched tags fall back", ct: "text/xml", body: `<a><b></a></b>`, want: `"<a><b></a></b>"`, err: "syntax"},
	{name: "unclosed falls back", ct: "text/xml", body: `<a><b>x</b>`, want: `"<a><b>x</b>"`, err: "syntax"},
	{name: "not xml", ct: "text/xml", body: `<<<`, want: `"<<<"`, err: "syntax"},
}

func allBodyRows() []bodyRow {
	var rows []bodyRow
	for _, rs := range [][]bodyRow{jsonRows, formRows, rawRows, multipartRows, xmlRows} {
		rows = append(rows, rs...)
	}
	return rows
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	var se *SyntaxError
	switch want {
	case "":
		if err != nil {
			t.Errorf("error %v, want none", err)
		}
	case "syntax":
		if !errors.As(err, &se) {
			t.Errorf("error %v, want a *SyntaxError", err)
		}
	case "truncated":
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("error %v, want ErrTruncated", err)
		}
	}
}

func TestBody(t *testing.T) {
	for _, r := range allBodyRows() {
		t.Run(r.name, func(t *testing.T) {
			v, files, err := Body(r.ct, []byte(r.body), nil)
			if got := render(v); got != r.want {
				t.Errorf("body\n got %s\nwant %s", got, r.want)
			}
			wantFiles := r.files
			if wantFiles == "" {
				wantFiles = "null"
			}
			if got := render(files); got != wantFiles {
				t.Errorf("filenames: got %s, want %s", got, wantFiles)
			}
			checkErr(t, err, r.err)
		})
	}
}

func TestBodyTruncated(t *testing.T) {
	o := &Options{BodyLimit: 16}
	for _, r := range []bodyRow{
		{name: "json partial string kept", ct: "application/json", body: `{"a":[1,2],"b":"0123456789"}`, want: `{"a":[1,2],"b":""}`},
		{name: "json partial number kept", ct: "application/json", body: `[1,2,3,4,5,6,78901234]`, want: `[1,2,3,4,5,6,789]`},
		{name: "json partial literal dropped", ct: "application/json", body: `[1,2,3,4,5,6,true]`, want: `[1,2,3,4,5,6]`},
		{name: "json invalid before the cut", ct: "application/json", body: `[1,,2,3,4,5,6,7,8,9]`, want: `"[1,,2,3,4,5,6,7,"`},
		{name: "form", ct: "application/x-www-form-urlencoded", body: "a=1&b=2&c=345678901", want: `{"a":["1"],"b":["2"],"c":["345678"]}`},
		{name: "xml", ct: "text/xml", body: "<a><b>1</b><c>234567</c></a>", want: `{"a":{"b":"1","c":"23"}}`},
		{name: "multipart", ct: "multipart/form-data; boundary=b", body: "--b\n\n1\n--b\n\n234567", want: `{"":["1","2345"]}`},
		{name: "raw", ct: "text/plain", body: "0123456789abcdefXYZ", want: `"0123456789abcdef"`},
	} {
		t.Run(r.name, func(t *testing.T) {
			v, _, err := Body(r.ct, []byte(r.body), o)
			if got := render(v); got != r.want {
				t.Errorf("got %s, want %s", got, r.want)
			}
			checkErr(t, err, "truncated")
		})
	}
	// Not past the limit: no error.
	if _, _, err := Body("text/plain", []byte("0123456789abcdef"), o); err != nil {
		t.Errorf("body at the limit: %v", err)
	}
	// Inspection off.
	if v, _, err := Body("text/plain", []byte("x"), &Options{BodyLimit: -1}); v.Kind() != waf.KindNull || err != nil {
		t.Errorf("BodyLimit -1: got %s, %v", render(v), err)
	}
}

func TestJSONLimits(t *testing.T) {
	deep := strings.Repeat("[", 30) + `"x"` + strings.Repeat(",1]", 30)
	v, _, err := Body("application/json", []byte(deep), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := shape(v); d != MaxDepth {
		t.Errorf("depth %d, want %d", d, MaxDepth)
	}
	// Scalars below the limit are flattened into the deepest container.
	in := v
	for range MaxDepth - 1 {
		in = in.Index(0).Value
	}
	if got, want := render(in), `["x",1,1,1,1,1,1,1,1,1,1,1]`; got != want {
		t.Errorf("deepest container %s, want %s", got, want)
	}

	deepMap := strings.Repeat(`{"k":`, 25) + `"payload"` + strings.Repeat("}", 25)
	v, _, _ = Body("application/json", []byte(deepMap), nil)
	if !strings.Contains(render(v), `{"k":"payload"}`) {
		t.Errorf("deep map lost its scalar: %s", render(v))
	}

	wide := "[" + strings.Repeat(`"a",`, MaxContainerSize+44) + `"last"]`
	v, _, err = Body("application/json", []byte(wide), nil)
	if v.Len() != MaxContainerSize || !errors.Is(err, ErrTruncated) {
		t.Errorf("wide list: %d elements, err %v", v.Len(), err)
	}
	// Very deep input is bounded in time and stack.
	v, _, err = Body("application/json", []byte(strings.Repeat("[", 1<<19)+strings.Repeat("]", 1<<19)), nil)
	if err != nil || v.Kind() != waf.KindList {
		t.Errorf("very deep: %v", err)
	}
}

func TestXMLLimits(t *testing.T) {
	deep := strings.Repeat("<a>", 30) + "x" + strings.Repeat("</a>", 30)
	v, _, err := Body("text/xml", []byte(deep), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := shape(v); d > MaxDepth {
		t.Errorf("depth %d > %d", d, MaxDepth)
	}
	if !strings.Contains(render(v), `"x"`) {
		t.Errorf("deep text lost: %s", render(v))
	}
	wide := "<r>" + strings.Repeat("\n  <i>1</i>", MaxContainerSize+44) + "\n</r>"
	v, _, err = Body("text/xml", []byte(wide), nil)
	r, _ := v.Get("r")
	if r.Len() != MaxContainerSize || !errors.Is(err, ErrTruncated) {
		t.Errorf("wide element: %d fields, err %v", r.Len(), err)
	}
}

func TestMultipartLimits(t *testing.T) {
	var b strings.Builder
	for range MaxParts + 10 {
		b.WriteString("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n1\r\n")
	}
	b.WriteString("--b--\r\n")
	v, files, err := Body("multipart/form-data; boundary=b", []byte(b.String()), nil)
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("err %v, want ErrTruncated", err)
	}
	if _, w := shape(v); w > MaxContainerSize {
		t.Errorf("container of %d", w)
	}
	if files.Len() != min(MaxParts, MaxContainerSize) {
		t.Errorf("%d file names", files.Len())
	}
	big := "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n" + strings.Repeat("A", 3*MaxFilePrefix) + "\r\n--b--"
	v, _, _ = Body("multipart/form-data; boundary=b", []byte(big), nil)
	f, _ := v.Get("f")
	c, _ := f.Index(0).Value.Get("content")
	if len(c.Str()) != MaxFilePrefix {
		t.Errorf("file prefix of %d bytes", len(c.Str()))
	}
}

func TestMediaType(t *testing.T) {
	for _, r := range []struct{ ct, mt, boundary string }{
		{"multipart/form-data; boundary=abc", "multipart/form-data", "abc"},
		{`Multipart/Form-Data;BOUNDARY="a;b c"; x=y`, "multipart/form-data", "a;b c"},
		{"multipart/form-data; charset=utf-8; garbage; boundary=z", "multipart/form-data", "z"},
		{"multipart/form-data; boundary=", "multipart/form-data", ""},
		{"text/plain; charset=\"UTF-8\"; garbage", "text/plain", ""},
		{"", "", ""},
	} {
		mt, params := mediaType(r.ct)
		if mt != r.mt || param(params, "boundary") != r.boundary {
			t.Errorf("%q: got %q, %q; want %q, %q", r.ct, mt, param(params, "boundary"), r.mt, r.boundary)
		}
	}
}
