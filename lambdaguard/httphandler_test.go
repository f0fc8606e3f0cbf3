package lambdaguard

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart"
)

func TestHTTPHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("theme")
		theme := ""
		if c != nil {
			theme = c.Value
		}
		w.Header().Set("Content-Type", "application/json")
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1"})
		fmt.Fprintf(w, `{"id":%q,"name":%q,"tags":%q,"theme":%q,"ip":%q,"ua":%q}`, r.PathValue("id"), r.URL.Query().Get("name"),
			strings.Join(r.URL.Query()["tag"], ","), theme, r.RemoteAddr, r.UserAgent())
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(append([]byte{0}, b...))
	})
	h := HTTPHandler(mux)
	for _, c := range []struct {
		file, want string
		cookies    bool
	}{
		{"apigw-v1.json", `{"id":"42","name":"alice","tags":"a,b","theme":"","ip":"203.0.113.7:0","ua":"curl/8.5.0"}`, false},
		{"apigw-v2.json", `{"id":"","name":"alice","tags":"a,b","theme":"dark","ip":"203.0.113.7:0","ua":"curl/8.5.0"}`, true},
		{"function-url.json", `{"id":"","name":"alice","tags":"a,b","theme":"dark","ip":"203.0.113.7:0","ua":"curl/8.5.0"}`, true},
		{"alb-multi.json", `{"id":"","name":"alice","tags":"a,b","theme":"dark","ip":"203.0.113.7:0","ua":"curl/8.5.0"}`, false},
	} {
		out, err := h.Invoke(context.Background(), readPayload(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		var resp struct {
			StatusCode        int
			Body              string
			Headers           map[string]string
			MultiValueHeaders map[string][]string
			Cookies           []string
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatal(err)
		}
		// v2 and Function URL events carry the path's parameters only
		// through a router: the mux pattern here sets id for v1 (pathParameters)
		// and from the path otherwise.
		want := c.want
		if !strings.Contains(c.file, "v1") {
			want = strings.Replace(want, `"id":""`, `"id":"42"`, 1)
		}
		if resp.StatusCode != 200 || resp.Body != want {
			t.Errorf("%s: %d %s\nwant %s", c.file, resp.StatusCode, resp.Body, want)
		}
		if c.cookies && (len(resp.Cookies) != 1 || resp.Cookies[0] != "seen=1") {
			t.Errorf("%s: cookies %v", c.file, resp.Cookies)
		}
		if strings.Contains(c.file, "alb") && resp.MultiValueHeaders["Set-Cookie"] == nil {
			t.Errorf("%s: multi-value headers %v", c.file, resp.MultiValueHeaders)
		}
	}

	// A binary body, both ways.
	v2 := readPayload(t, "apigw-v2.json")
	var m map[string]any
	_ = json.Unmarshal(v2, &m)
	m["rawPath"] = "/upload"
	m["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = "POST"
	m["body"] = base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe})
	m["isBase64Encoded"] = true
	p, _ := json.Marshal(m)
	out, err := h.Invoke(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode      int
		Body            string
		IsBase64Encoded bool
	}
	_ = json.Unmarshal(out, &resp)
	if b, _ := base64.StdEncoding.DecodeString(resp.Body); resp.StatusCode != 201 || !resp.IsBase64Encoded || string(b) != "\x00\xff\xfe" {
		t.Errorf("binary: %+v", resp)
	}

	if _, err := h.Invoke(context.Background(), readPayload(t, "sqs.json")); !errors.Is(err, ErrNotHTTP) {
		t.Errorf("SQS event: %v", err)
	}
}

func TestHTTPHandlerWrapped(t *testing.T) {
	agent, _ := testAgentMode(t, rampart.ModeMonitor)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("q")
		if err := rampart.CheckSQL(r.Context(), "sqlite", statement(name)); err != nil {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "ok")
	})
	h := New(agent, HTTPHandler(mux)).(interface {
		Invoke(context.Context, []byte) ([]byte, error)
	})
	for _, c := range httpCases(t) {
		out, err := h.Invoke(context.Background(), c.inject(readPayload(t, c.file), injection))
		if err != nil || !strings.Contains(string(out), `"statusCode":403`) || !strings.Contains(string(out), `\"error\":\"blocked\"`) {
			t.Errorf("%s: exploit through HTTPHandler: %s %v", c.name, out, err)
		}
		out, err = h.Invoke(context.Background(), c.inject(readPayload(t, c.file), "alice"))
		if err != nil || !strings.Contains(string(out), `"statusCode":200`) || !strings.Contains(string(out), `text/plain; charset=utf-8`) {
			t.Errorf("%s: benign through HTTPHandler: %s %v", c.name, out, err)
		}
	}
}
