package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func req(label, method, uri, body string, headers ...[2]string) corpus.Request {
	var r corpus.Request
	r.ID, r.Label = "t", label
	r.Request.Method, r.Request.URI, r.Request.Body, r.Request.Headers = method, uri, body, headers
	return r
}

// readBack returns the value a server reads at the position of s in the
// variant request v: the variant's slot of the same kind and position.
func readBack(t *testing.T, v *corpus.Request, s *slot, n int) string {
	t.Helper()
	if s.kind == inBody {
		// The whole body (a body that did not parse as its type may
		// parse once encoded: Base64 is an XML text node).
		return v.Request.Body
	}
	var same []slot
	for _, o := range requestSlots(v) {
		if o.kind == s.kind && o.loc == s.loc {
			same = append(same, o)
		}
	}
	if n >= len(same) {
		t.Fatalf("%s: no %s slot #%d in %+v", v.ID, s.kind, n, v.Request)
	}
	return same[n].value
}

// slotIndex is the position of s among the slots of r of its kind and
// location.
func slotIndex(r *corpus.Request, s *slot) int {
	n := 0
	for _, o := range requestSlots(r) {
		if o.kind == s.kind && o.loc == s.loc {
			if o.start == s.start {
				return n
			}
			n++
		}
	}
	return -1
}

// checkDecodesBack builds every variant of r and checks that the value at
// the payload's position decodes back to the original payload.
func checkDecodesBack(t *testing.T, r *corpus.Request, s *slot) {
	t.Helper()
	n := slotIndex(r, s)
	for _, name := range variantNames {
		v, ok := makeVariant(r, s, name)
		if ok != variantApplies(name, r.Label, s) {
			t.Fatalf("%s %s: built %v", r.ID, name, ok)
		}
		if !ok {
			continue
		}
		if cl := headerValue(&v, "Content-Length"); cl != "" && cl != strconv.Itoa(len(v.Request.Body)) {
			t.Errorf("%s %s: Content-Length %s, body %d bytes", r.ID, name, cl, len(v.Request.Body))
		}
		if name == "deep-container" {
			checkDeep(t, &v, s.value)
			continue
		}
		got := readBack(t, &v, s, n)
		var dec []byte
		var err error
		switch name {
		case "base64":
			dec, err = base64.StdEncoding.DecodeString(got)
		case "base64url":
			dec, err = base64.RawURLEncoding.DecodeString(got)
		case "padded-8k", "padded-64k":
			want := 8 << 10
			if name == "padded-64k" {
				want = 64 << 10
			}
			rest, ok := strings.CutPrefix(got, strings.Repeat(fillerWord, len(got)/len(fillerWord))[:len(got)-len(s.value)])
			if !ok || len(got)-len(s.value) < want || !strings.HasPrefix(got, fillerWord) {
				t.Errorf("%s %s: %d bytes of filler before the payload, want at least %d", r.ID, name, len(got)-len(s.value), want)
			}
			dec = []byte(rest)
		case "removed":
			dec = []byte(got)
			if got != "x" {
				t.Errorf("%s removed: %q left", r.ID, got)
			}
			continue
		}
		if err != nil || string(dec) != s.value {
			t.Errorf("%s %s: decodes to %q (%v), want %q", r.ID, name, dec, err, s.value)
		}
	}
}

// checkDeep checks that the body of a deep-container variant is JSON
// holding an array whose 300th element is payload.
func checkDeep(t *testing.T, v *corpus.Request, payload string) {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(v.Request.Body), &doc); err != nil {
		t.Fatalf("%s: body is not JSON: %v", v.ID, err)
	}
	var find func(x any) bool
	find = func(x any) bool {
		switch x := x.(type) {
		case []any:
			if len(x) == deepElement && x[deepElement-1] == payload {
				return true
			}
			for _, e := range x {
				if find(e) {
					return true
				}
			}
		case map[string]any:
			for _, e := range x {
				if find(e) {
					return true
				}
			}
		}
		return false
	}
	if !find(doc) {
		t.Errorf("%s: no array with the payload at element %d in %.200s", v.ID, deepElement, v.Request.Body)
	}
}

func TestVariantsDecodeBack(t *testing.T) {
	const sqli = `1' UNION SELECT password FROM users--`
	form := "a=1&q=" + url.QueryEscape(sqli)
	mp := "--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nshort\r\n" +
		"--XB\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n" + sqli + "\r\n--XB--\r\n"
	for _, tc := range []struct {
		name string
		r    corpus.Request
		kind slotKind
	}{
		{"query", req("attack", "GET", "/s?page=2&q="+url.QueryEscape(sqli)+"&x", "", [2]string{"Host", "h"}), inQuery},
		{"form", req("attack", "POST", "/s", form, [2]string{"Content-Type", "application/x-www-form-urlencoded"}, [2]string{"Content-Length", strconv.Itoa(len(form))}), inForm},
		{"json", req("attack", "POST", "/s", `{"a": {"k": ["v1", 2]}, "q" : "`+strings.ReplaceAll(sqli, "'", `\u0027`)+`"}`, [2]string{"Content-Type", "application/json"}), inJSON},
		{"multipart", req("attack", "POST", "/u", mp, [2]string{"Content-Type", "multipart/form-data; boundary=XB"}), inMultipart},
		{"cookie", req("attack", "GET", "/", "", [2]string{"Cookie", "sid=abc123; pref=" + sqli + "; t=1"}), inCookie},
		{"header", req("attack", "GET", "/", "", [2]string{"Host", "h"}, [2]string{"X-Data", sqli}), inHeader},
		{"xml text", req("attack", "POST", "/x", "<?xml version=\"1.0\"?><r><a>"+strings.ReplaceAll(sqli, "'", "&apos;")+"</a>\n<b>ok</b></r>", [2]string{"Content-Type", "application/xml"}), inXML},
		{"xml attribute", req("attack", "POST", "/x", `<r><a id='1' probe = "`+strings.ReplaceAll(sqli, "'", "&#39;")+`">t</a></r>`, [2]string{"Content-Type", "text/xml"}), inXML},
		{"text body", req("attack", "POST", "/x", sqli, [2]string{"Content-Type", "text/plain"}), inBody},
		{"benign", req("benign", "GET", "/s?q=red+shoes+in+size+10", "", [2]string{"Host", "h"}), inQuery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := payloadSlots([]corpus.Request{tc.r})[0]
			if s == nil || s.kind != tc.kind {
				t.Fatalf("payload slot %+v, want kind %s", s, tc.kind)
			}
			if tc.r.Label == "attack" && !strings.Contains(s.value, sqli) {
				t.Fatalf("payload slot %q does not hold the payload", s.value)
			}
			checkDecodesBack(t, &tc.r, s)
			if tc.kind == inMultipart {
				v, _ := makeVariant(&tc.r, s, "base64")
				_, params, _ := mime.ParseMediaType(headerValue(&v, "Content-Type"))
				mr := multipart.NewReader(strings.NewReader(v.Request.Body), params["boundary"])
				var got []string
				for {
					p, err := mr.NextPart()
					if err != nil {
						break
					}
					b, _ := io.ReadAll(p)
					got = append(got, string(b))
				}
				if len(got) != 2 || got[0] != "short" || got[1] != base64.StdEncoding.EncodeToString([]byte(sqli)) {
					t.Errorf("mime/multipart reads %q", got)
				}
			}
		})
	}
}

// TestPayloadSlotSkipsFiller checks that values every benign client sends
// and token-like values are not taken for the payload.
func TestPayloadSlotSkipsFiller(t *testing.T) {
	ua := [2]string{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"}
	reqs := []corpus.Request{
		req("benign", "GET", "/a?q=hello+world", "", ua),
		req("benign", "GET", "/b?id=7", "", ua),
		req("attack", "GET", "/c?p=<svg/onload=alert(1)>", "", ua, [2]string{"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eCJ9.c2lnbmF0dXJl"}),
		req("attack", "GET", "/../../etc/passwd?id=5", "", ua, [2]string{"Cookie", "sid=zp4tzshyfzkusxrpzaz8p5h7n2wxlc09"}),
	}
	got := payloadSlots(reqs)
	if got[0] == nil || got[0].value != "hello world" {
		t.Errorf("benign: slot %+v, want the query value (the User-Agent is shared filler)", got[0])
	}
	if got[1] != nil {
		t.Errorf("benign with only an id: slot %+v, want none", got[1])
	}
	if got[2] == nil || got[2].value != "<svg/onload=alert(1)>" {
		t.Errorf("attack: slot %+v, want the query value", got[2])
	}
	if got[3] != nil {
		t.Errorf("attack in the path: slot %+v, want none", got[3])
	}
}

// TestCorpusVariants builds every variant of the shared corpus and checks
// that each decodes back to its request's payload, and that most attacks
// have a payload slot (4,480 of the shared corpus's 5,828).
func TestCorpusVariants(t *testing.T) {
	reqs, err := loadCorpus(corpus.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	slots := payloadSlots(reqs)
	kinds := map[string]int{}
	attacks, withSlot := 0, 0
	for i := range reqs {
		s := slots[i]
		if reqs[i].Label == "attack" {
			attacks++
			if s != nil {
				withSlot++
			}
		}
		if s == nil {
			continue
		}
		if kinds[reqs[i].Label+" "+string(s.kind)]++; kinds[reqs[i].Label+" "+string(s.kind)] <= 5 {
			checkDecodesBack(t, &reqs[i], s)
		}
	}
	t.Logf("payload slots: %v; attacks with one: %d/%d", kinds, withSlot, attacks)
	if withSlot < attacks*2/3 {
		t.Errorf("%d of %d attacks have a payload slot, want at least 2/3", withSlot, attacks)
	}
}
