package xss

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// The figures measured on the shared corpus by TestCorpus: recall 95.81%
// (2,560 of 2,672 payloads/xss.jsonl), no false positive among the 1,049
// payloads/benign.jsonl strings nor among the 76,244 string values of
// requests/benign.jsonl. The test fails when recall falls more than a
// point below recallFloor, or a false-positive rate rises above its
// ceiling (one value in a thousand payloads, one in ten thousand values).
const (
	recallFloor        = 95.81 // percent of payloads/xss.jsonl flagged
	benignPayloadCeil  = 0.1   // percent of payloads/benign.jsonl flagged
	benignRequestsCeil = 0.01  // percent of the string values of requests/benign.jsonl flagged
)

// requestValues returns the string values a WAF sees in a request: query
// and form values, JSON strings, multipart fields, path segments, header
// and cookie values. It parses roughly, as a test needs.
func requestValues(r corpus.Request) []string {
	var out []string
	uri := r.Request.URI
	path, query, _ := strings.Cut(uri, "?")
	for _, seg := range strings.Split(path, "/") {
		if s, err := url.PathUnescape(seg); err == nil && s != "" {
			out = append(out, s)
		}
	}
	out = append(out, formValues(query)...)
	var ctype string
	for _, h := range r.Request.Headers {
		switch strings.ToLower(h[0]) {
		case "content-type":
			ctype = h[1]
		case "cookie":
			for _, kv := range strings.Split(h[1], ";") {
				_, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				if s, err := url.QueryUnescape(v); err == nil {
					v = s
				}
				out = append(out, v)
			}
			continue
		}
		out = append(out, h[1])
	}
	body := r.Request.Body
	if body == "" {
		return out
	}
	mt, params, _ := mime.ParseMediaType(ctype)
	switch {
	case strings.Contains(mt, "json"):
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			out = jsonStrings(out, v)
			return out
		}
	case mt == "application/x-www-form-urlencoded":
		return append(out, formValues(body)...)
	case strings.HasPrefix(mt, "multipart/"):
		mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			out = append(out, string(b))
			if fn := p.FileName(); fn != "" {
				out = append(out, fn)
			}
		}
		return out
	}
	return append(out, body)
}

func formValues(q string) []string {
	var out []string
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		for _, x := range []string{k, v} {
			if s, err := url.QueryUnescape(x); err == nil {
				x = s
			}
			if x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func jsonStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = jsonStrings(out, e)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, k)
			out = jsonStrings(out, e)
		}
	}
	return out
}

// dump writes lines to $XSS_DUMP_DIR/name when set, to study misses.
func dump(t *testing.T, name string, lines []string) {
	d := os.Getenv("XSS_DUMP_DIR")
	if d == "" {
		return
	}
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&b, "%q\n", l)
	}
	if err := os.WriteFile(d+"/"+name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

func TestCorpus(t *testing.T) {
	attacks := corpus.Payloads(t, "xss")
	var missed []string
	for _, p := range attacks {
		if _, ok := Check([]byte(p.Payload)); !ok {
			missed = append(missed, p.Payload)
		}
	}
	recall := pct(len(attacks)-len(missed), len(attacks))

	benign := corpus.Payloads(t, "benign")
	var fpPayloads []string
	for _, p := range benign {
		if h, ok := Check([]byte(p.Payload)); ok {
			fpPayloads = append(fpPayloads, p.Payload+"  ==> "+h)
		}
	}
	fpPayloadRate := pct(len(fpPayloads), len(benign))

	var fpValues []string
	values := 0
	for _, r := range corpus.Requests(t, "benign") {
		for _, v := range requestValues(r) {
			values++
			if h, ok := Check([]byte(v)); ok {
				fpValues = append(fpValues, r.ID+": "+v+"  ==> "+h)
			}
		}
	}
	fpValueRate := pct(len(fpValues), values)

	t.Logf("recall %.2f%% (%d/%d xss payloads), false positives %.2f%% (%d/%d benign payloads), %.3f%% (%d/%d benign request values)",
		recall, len(attacks)-len(missed), len(attacks), fpPayloadRate, len(fpPayloads), len(benign),
		fpValueRate, len(fpValues), values)
	dump(t, "missed.txt", missed)
	dump(t, "fp.txt", append(fpPayloads, fpValues...))
	for _, fp := range fpPayloads {
		t.Logf("false positive: %q", fp)
	}
	for _, fp := range fpValues {
		t.Logf("false positive: %q", fp)
	}
	if recall < recallFloor-1 {
		t.Errorf("recall %.2f%% fell below the floor %.2f%% - 1", recall, recallFloor)
	}
	if fpPayloadRate > benignPayloadCeil {
		t.Errorf("false positives on benign payloads %.2f%% above the ceiling %.2f%%", fpPayloadRate, benignPayloadCeil)
	}
	if fpValueRate > benignRequestsCeil {
		t.Errorf("false positives on benign request values %.3f%% above the ceiling %.3f%%", fpValueRate, benignRequestsCeil)
	}
}
