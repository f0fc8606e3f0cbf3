package httpinput

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/waf"
)

// checkBounded fails when v exceeds the container limits.
func checkBounded(t *testing.T, v waf.Value) {
	t.Helper()
	if d, w := shape(v); d > MaxDepth || w > MaxContainerSize {
		t.Fatalf("depth %d, widest container %d", d, w)
	}
}

// bodyOnce parses body and checks the properties every parser shares:
// bounded output, deterministic, a syntax error gives the raw text, and a
// body cut at half its length parses without a syntax error it did not have.
func bodyOnce(t *testing.T, ct string, body []byte) (waf.Value, waf.Value, error) {
	t.Helper()
	v, files, err := Body(ct, body, nil)
	checkBounded(t, v)
	checkBounded(t, files)
	v2, files2, err2 := Body(ct, body, nil)
	if render(v) != render(v2) || render(files) != render(files2) || (err == nil) != (err2 == nil) {
		t.Fatalf("not deterministic: %s / %s", render(v), render(v2))
	}
	var se *SyntaxError
	if errors.As(err, &se) && (v.Kind() != waf.KindString || v.Str() != string(body) || files.Kind() != waf.KindNull) {
		t.Fatalf("syntax error %v but body %s", se, render(v))
	}
	if len(body) > 1 {
		half := &Options{BodyLimit: len(body) / 2}
		hv, hf, herr := Body(ct, body, half)
		checkBounded(t, hv)
		checkBounded(t, hf)
		if !errors.Is(herr, ErrTruncated) {
			t.Fatalf("cut body: error %v, want ErrTruncated", herr)
		}
		if se == nil && errors.As(herr, &se) {
			t.Fatalf("whole body parses, its first half fails: %v", se)
		}
	}
	return v, files, err
}

func FuzzJSON(f *testing.F) {
	for _, r := range jsonRows {
		f.Add([]byte(r.body))
	}
	f.Add([]byte(strings.Repeat("[", 25) + strings.Repeat("]", 25)))
	f.Add([]byte(`{"a":` + strings.Repeat(`{"b":[1,`, 22) + `"x"` + strings.Repeat("]}", 22) + "}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, _, err := bodyOnce(t, "application/json", body)
		var se *SyntaxError
		valid := json.Valid(body)
		if valid == errors.As(err, &se) && !bytes.HasPrefix(body, []byte("\uFEFF")) {
			t.Fatalf("json.Valid %v, error %v", valid, err)
		}
		if !valid || !utf8.Valid(body) {
			return
		}
		want, rerr := refJSON(json.NewDecoder(bytes.NewReader(body)))
		if rerr != nil {
			t.Fatal(rerr)
		}
		if d, w := shape(want); d <= MaxDepth && w <= MaxContainerSize && render(v) != render(want) {
			t.Fatalf("got %s, want %s", render(v), render(want))
		}
	})
}

func FuzzForm(f *testing.F) {
	for _, r := range formRows {
		f.Add(r.body)
	}
	f.Add("a=%41&a=%4&%42=+")
	f.Fuzz(func(t *testing.T, body string) {
		v, _, err := bodyOnce(t, "application/x-www-form-urlencoded", []byte(body))
		if err != nil && !errors.Is(err, ErrTruncated) {
			t.Fatalf("error %v", err)
		}
		// Reference: split and decode with net/url where it accepts the
		// escapes, grouping by name in order of first appearance.
		var keys []string
		vals := map[string][]string{}
		ok := true
		for _, part := range strings.Split(body, "&") {
			if part == "" {
				continue
			}
			k, val, _ := strings.Cut(part, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(val)
			if err1 != nil || err2 != nil {
				ok = false
				break
			}
			if _, seen := vals[dk]; !seen {
				keys = append(keys, dk)
			}
			vals[dk] = append(vals[dk], dv)
		}
		if !ok || len(keys) > MaxContainerSize || strings.Count(body, "&") >= MaxParams {
			return
		}
		var fs []waf.Field
		for _, k := range keys {
			if len(vals[k]) > MaxContainerSize {
				return
			}
			fs = append(fs, waf.Field{Key: k, Value: waf.Strings(vals[k]...)})
		}
		if want := render(waf.Map(fs)); render(v) != want {
			t.Fatalf("got %s, want %s", render(v), want)
		}
	})
}

func FuzzMultipart(f *testing.F) {
	for _, r := range multipartRows {
		_, params := mediaType(r.ct)
		f.Add(param(params, "boundary"), []byte(r.body))
	}
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		ct := `multipart/form-data; boundary="` + strings.ReplaceAll(strings.ReplaceAll(boundary, `\`, `\\`), `"`, `\"`) + `"`
		_, params := mediaType(ct)
		if param(params, "boundary") != boundary {
			t.Fatalf("boundary %q read back as %q", boundary, param(params, "boundary"))
		}
		v, files, err := bodyOnce(t, ct, body)
		var se *SyntaxError
		errors.As(err, &se)
		if se == nil {
			// Every file name is a string, and so is every field value or
			// file map entry.
			for i := range files.Len() {
				if files.Index(i).Value.Kind() != waf.KindString {
					t.Fatalf("file name %s", render(files.Index(i).Value))
				}
			}
			if d, _ := shape(v); d > 3 {
				t.Fatalf("depth %d", d)
			}
		}
		if strings.ContainsAny(boundary, "\r\n") {
			return
		}
		compareMultipart(t, "fuzz", body, boundary, v, se)
	})
}

func FuzzXML(f *testing.F) {
	for _, r := range xmlRows {
		f.Add([]byte(r.body))
	}
	f.Add([]byte(strings.Repeat("<a x='1'>t", 25) + strings.Repeat("</a>", 25)))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, _, err := bodyOnce(t, "text/xml", body)
		var se *SyntaxError
		if !errors.As(err, &se) && v.Kind() != waf.KindMap {
			t.Fatalf("parsed XML is %s, want a map", render(v))
		}
		// No entity other than the predefined ones and character
		// references is ever expanded: a name reference stays as written.
		if se == nil && bytes.Contains(body, []byte("&xxe;")) && !strings.Contains(render(v), "&xxe;") {
			t.Fatalf("&xxe; disappeared: %s", render(v))
		}
	})
}

func FuzzClientIP(f *testing.F) {
	for _, r := range ipRows {
		var xff, fwd, real string
		for _, h := range r.headers {
			switch strings.ToLower(h[0]) {
			case "x-forwarded-for":
				xff = h[1]
			case "forwarded":
				fwd = h[1]
			default:
				real = h[1]
			}
		}
		f.Add(r.remote, xff, fwd, real, r.opts != nil && r.opts.TrustAllProxies)
	}
	f.Fuzz(func(t *testing.T, remote, xff, fwd, real string, trustAll bool) {
		hs := [][2]string{{"X-Forwarded-For", xff}, {"Forwarded", fwd}, {"X-Real-IP", real}}
		o := &Options{TrustAllProxies: trustAll}
		ip := ClientIP(remote, hs, o)
		if ip != ClientIP(remote, hs, o) {
			t.Fatal("not deterministic")
		}
		peer := parseIP(remote)
		if !trustAll && !(peer.IsValid() && peer.IsLoopback()) && ip != peer {
			t.Fatalf("untrusted peer %v: got %v from the headers", peer, ip)
		}
		if !ip.IsValid() {
			if peer.IsValid() {
				t.Fatalf("peer %v valid, result invalid", peer)
			}
			return
		}
		if ip.Zone() != "" || ip.Is4In6() {
			t.Fatalf("%v has a zone or is v4-mapped", ip)
		}
		// The answer is the peer or an address the headers spell.
		if ip != peer {
			found := false
			for _, v := range []string{xff, fwd, real} {
				for _, p := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",;= \t\"[]", r) }) {
					if a, err := netip.ParseAddr(p); err == nil && a.Unmap().WithZone("") == ip {
						found = true
					}
					if h, _, ok := strings.Cut(p, ":"); ok {
						if a, err := netip.ParseAddr(h); err == nil && a == ip {
							found = true
						}
					}
				}
			}
			if !found {
				t.Fatalf("%v is neither the peer nor in the headers", ip)
			}
			if ip.IsLoopback() || !canBeClient(ip) {
				t.Fatalf("%v was returned from the headers", ip)
			}
		}
	})
}
