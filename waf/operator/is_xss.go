package operator

import "github.com/rampartsec/rampart/waf/xss"

// isXSS matches a value that reads as a cross-site scripting payload
// (waf/xss): scanned with an HTML tokenizer as if echoed between tags,
// inside a tag and inside a quoted or unquoted attribute value, it would
// open a tag that runs or loads script (script, iframe, object, svg, ...),
// add an event-handler attribute, set a javascript:, vbscript: or active
// data: URL, or run CSS expressions; or, echoed into a script, it would
// close a string and call a function such as alert or eval.
//
// The value may still carry one layer of percent-encoding or HTML
// character references: xss.Check also scans it with those decoded. Values
// other than strings and map keys never match. The highlight is the tag,
// attribute or call that decided. is_xss takes no parameters.
type isXSS struct{}

var (
	_ Operator    = isXSS{}
	_ Prefiltered = isXSS{}
)

func init() { register("is_xss", newIsXSS) }

func newIsXSS(Params) (Operator, error) { return isXSS{}, nil }

// Eval implements Operator.
func (isXSS) Eval(v Value) (string, bool) {
	if v.Kind != String && v.Kind != Key {
		return "", false
	}
	return xss.Check(v.Bytes)
}

// xssLiterals are the characters one of which every payload xss.Check
// reports must hold: a tag needs "<", an attribute "=", a URL scheme ":",
// a call "(" or "`", or they come encoded as a reference ("&"), a
// percent-escape ("%") or a JavaScript escape ("\\u003c").
var xssLiterals = []string{"<", "=", ":", "(", "`", "&", "%", "\\"}

// RequiredLiterals implements Prefiltered.
func (isXSS) RequiredLiterals() []string { return xssLiterals }
