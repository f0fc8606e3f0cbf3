package httpinput

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/rampartsec/rampart/waf"
)

// parseXML parses an XML document into the map tree described on Body,
// without resolving entities or fetching anything. encoding/xml reads the
// tokens (non-strict, so unknown entities stay as written; RawToken, so
// namespace prefixes stay as written and nothing recurses); the builder
// keeps its own stack and checks that end tags match.
//
// A non-zero deadline stops the parse when it passes (checked every 64
// tokens): what was read is kept, as for a truncated body, and late is set.
func parseXML(s string, truncated bool, deadline time.Time, late *bool) (waf.Value, bool, *SyntaxError) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	sp := scratchPool.Get().(*[]waf.Field)
	x := xmlBuilder{scratch: (*sp)[:0], a: newArena(min(len(s)/32+8, 1024))}
	defer func() {
		clear(x.scratch[:max(x.high, len(x.scratch))]) // drop references to this body before pooling
		*sp = x.scratch[:0]
		scratchPool.Put(sp)
	}()
	x.frames = append(x.frames, xmlFrame{}) // the document
	for n := 1; ; n++ {
		if n&63 == 0 && !deadline.IsZero() && time.Now().After(deadline) {
			*late = true
			break
		}
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			if err == io.EOF && len(x.frames) == 1 {
				break
			}
			if truncated {
				break // keep what was read
			}
			msg := "unexpected end of input"
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = se.Msg
			} else if err != io.EOF {
				msg = err.Error()
			}
			return waf.Value{}, false, &SyntaxError{Format: "xml", Offset: off, Msg: msg}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			x.start(t)
		case xml.EndElement:
			if !x.end(t) {
				return waf.Value{}, false, &SyntaxError{Format: "xml", Offset: off, Msg: "element <" + x.frames[len(x.frames)-1].name + "> closed by </" + qname(t.Name) + ">"}
			}
		case xml.CharData:
			x.text(t)
		case xml.Comment:
			x.leaf("#comment", string(t))
		case xml.ProcInst:
			if t.Target != "xml" {
				x.leaf("?"+t.Target, string(t.Inst))
			}
		case xml.Directive:
			key := "#directive"
			if len(t) >= 7 && strings.EqualFold(string(t[:7]), "DOCTYPE") {
				key = "#doctype"
			}
			x.leaf(key, "<!"+string(t)+">")
		}
	}
	for len(x.frames) > 1 { // a truncated body: close what is open
		x.close()
	}
	fs := x.a.copyOf(x.scratch)
	x.high = max(x.high, len(x.scratch))
	return waf.Map(fs), x.dropped, nil
}

// xmlFrame is an open element that has its own container.
type xmlFrame struct {
	name     string
	base     int  // index of its first field in scratch
	textOnly bool // no attribute, child or comment yet
}

type xmlBuilder struct {
	a       arena
	scratch []waf.Field
	frames  []xmlFrame // frames[0] is the document
	flat    []string   // names of open elements deeper than the frames
	dropped bool
	high    int // the most fields scratch held
}

// leaf adds a scalar to the innermost container.
func (x *xmlBuilder) leaf(key, v string) {
	f := &x.frames[len(x.frames)-1]
	if key != "#text" {
		x.mixed(f)
	}
	if len(x.scratch)-f.base >= MaxContainerSize {
		x.dropped = true
		return
	}
	x.scratch = append(x.scratch, waf.Field{Key: key, Value: waf.String(v)})
}

func (x *xmlBuilder) start(t xml.StartElement) {
	name := qname(t.Name)
	// The document map has depth 1, so an element at frame index i has depth i+1.
	if len(x.flat) > 0 || len(x.frames) >= MaxDepth {
		x.flat = append(x.flat, name)
		for _, at := range t.Attr {
			x.leaf("@"+qname(at.Name), at.Value)
		}
		return
	}
	parent := &x.frames[len(x.frames)-1]
	x.mixed(parent)
	if len(x.scratch)-parent.base >= MaxContainerSize {
		x.dropped = true
		x.flat = append(x.flat, name) // read, but keep nothing of it
		return
	}
	// Reserve the parent's field for this element; filled by close.
	x.scratch = append(x.scratch, waf.Field{Key: name})
	x.frames = append(x.frames, xmlFrame{name: name, base: len(x.scratch), textOnly: len(t.Attr) == 0})
	for _, at := range t.Attr {
		x.leaf("@"+qname(at.Name), at.Value)
	}
}

// end closes the innermost element; it reports false when the names differ.
func (x *xmlBuilder) end(t xml.EndElement) bool {
	name := qname(t.Name)
	if n := len(x.flat); n > 0 {
		if x.flat[n-1] != name {
			return false
		}
		x.flat = x.flat[:n-1]
		return true
	}
	if len(x.frames) == 1 || x.frames[len(x.frames)-1].name != name {
		return false
	}
	x.close()
	return true
}

// close turns the innermost frame's fields into its value.
func (x *xmlBuilder) close() {
	if len(x.flat) > 0 {
		x.flat = x.flat[:0]
	}
	f := x.frames[len(x.frames)-1]
	x.frames = x.frames[:len(x.frames)-1]
	fields := x.scratch[f.base:]
	x.high = max(x.high, len(x.scratch))
	var v waf.Value
	switch {
	case f.textOnly && len(fields) == 0:
		v = waf.String("")
	case f.textOnly && len(fields) == 1:
		v = fields[0].Value
	case f.textOnly:
		var b strings.Builder
		for _, fl := range fields {
			b.WriteString(fl.Value.Str())
		}
		v = waf.String(b.String())
	default:
		v = waf.Map(x.a.copyOf(fields))
	}
	x.scratch = x.scratch[:f.base]
	x.scratch[f.base-1].Value = v
}

// mixed marks f as holding more than text, dropping the blank text runs it
// has so far (indentation before its first child).
func (x *xmlBuilder) mixed(f *xmlFrame) {
	if !f.textOnly {
		return
	}
	f.textOnly = false
	kept := x.scratch[f.base:f.base]
	for _, fl := range x.scratch[f.base:] {
		if strings.TrimSpace(fl.Value.Str()) != "" {
			kept = append(kept, fl)
		}
	}
	x.scratch = x.scratch[:f.base+len(kept)]
}

// text adds a run of character data: to the innermost frame, or, inside
// elements too deep for their own map, under the innermost element's name.
func (x *xmlBuilder) text(t xml.CharData) {
	if n := len(x.flat); n > 0 {
		if len(bytes.TrimSpace(t)) > 0 {
			x.leaf(x.flat[n-1], string(t))
		}
		return
	}
	if !x.frames[len(x.frames)-1].textOnly && len(bytes.TrimSpace(t)) == 0 {
		return // blanks between elements (indentation)
	}
	x.leaf("#text", string(t))
}

// qname returns a name as written: "prefix:local" or "local".
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
