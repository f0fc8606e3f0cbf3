package sqli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// detectRows are the table of Detect cases: unit rows and fuzz seeds.
var detectRows = []struct {
	name  string
	in    string
	match bool
}{
	{"tautology after quote", "' or 1=1--", true},
	{"tautology strings", "' or 'a'='a", true},
	{"double quote tautology", `" or ""="`, true},
	{"comment after quote", "admin'--", true},
	{"hash comment after quote", "admin' #", true},
	{"union numeric", "1 union select 1,2,3", true},
	{"union after quote", "x' UNION ALL SELECT username, password FROM users--", true},
	{"stacked drop", "'; drop table users --", true},
	{"stacked drop numeric", "1; DROP TABLE users", true},
	{"stacked delete with where", "1; delete from users where 1=1", true},
	{"stacked insert values", "1; insert into users values (1)", true},
	{"delete then comment", "DELETE FROM users;--", true},
	{"postfix notnull", "x' or email notnull--", true},
	{"array subscript", "x' or array[id] is not null--", true},
	{"keyword called as a function", "x' or json(id);", true},
	{"quantified comparison", "x' and email != all (select email)--", true},
	{"JSON key operator", "OR '{\"a\":\"b\"}' ? 'a'", true},
	{"JSON any-key operator", "OR '{\"name\":\"asd\"}' ?| array['a','name']", true},
	{"question in prose", "is it 'red' ? 'blue' maybe", false},
	{"stacked replace without into", ";RePLAcE/*test*/test/*test*/(id, name) VALUES (1, 'test');", true},
	{"prose replace after a semicolon", "Great; replace batteries yearly", false},
	{"backslash before the quote (SQLite, standard strings)", "admin@juice-sh.op\\' or json (id);", true},
	{"backslash-escaped quote in prose", "it\\'s a \\'nice\\' day", false},
	{"prose insert", "please insert into the slot", false},
	{"prose all", "all (of them) are here", false},
	{"sleep", "1 and sleep(5)", true},
	{"benchmark", "1' and benchmark(5000000,md5(1))#", true},
	{"pg_sleep", "1) or pg_sleep(5)--", true},
	{"waitfor", "1; waitfor delay '0:0:5'--", true},
	{"waitfor batch", "1' waitfor delay '0:0:5'--", true},
	{"extractvalue", "1 and extractvalue(1,concat(0x7e,version()))", true},
	{"updatexml", "' and updatexml(1,concat(0x7e,(select user())),1)-- -", true},
	{"information_schema", "-1 union select table_name from information_schema.tables", true},
	{"case when", "1 and (case when 1=1 then 1 else 0 end)=1", true},
	{"char concat", "' or concat(char(97),char(98))='ab", true},
	{"hex literal", "1 or 0x41=0x41", true},
	{"inline comment spaces", "1/**/union/**/select/**/1,2", true},
	{"mysql version comment", "1 /*!50000union*/ /*!50000select*/ 1,2", true},
	{"paren breakout", "') or ('1'='1", true},
	{"order by probe", "1' ORDER BY 3-- ", true},
	{"subquery", "1 and (select count(*) from users)>0", true},
	{"sysvar", "1 or @@version like '5%'", true},
	{"exec", "'; exec master..xp_cmdshell 'dir'--", true},
	{"or reopen", "' OR '1", true},
	{"having", "' having 1=1--", true},
	{"multiline comment", "1#x\nand#y\n9227=9227", true},

	{"english select", "select your plan", false},
	{"english drop", "drop me a line", false},
	{"imperative show", "Show me how to sleep better", false},
	{"imperative use", "Use the stairs. Benchmark results attached", false},
	{"imperative kill", "Kill the process if it hangs, then restart the benchmark", false},
	{"imperative load", "Load the dishwasher, then sleep", false},
	{"imperative use, comment", "Use the optical FTP monitor, then you can calculate the bluetooth interface! Any discount for students? Order #12345 -- still waiting...", false},
	{"grant", "grant all privileges on *.* to 'x'@'%'; --", true},
	{"use statement", "'; use mysql; --", true},
	{"copy to program", "'; copy users to program 'curl x'; --", true},
	{"show with a call", "1; show tables; select sleep(5)", true},
	{"union station", "Union Station", false},
	{"irish name", "O'Brien", false},
	{"it's", "it's", false},
	{"sentence with apostrophes", "Doesn't fit — too small (I'm usually an M).", false},
	{"odata", "$filter=name eq 'x' and age gt 5", false},
	{"odata escaped quote", "Name eq 'O''Brien'", false},
	{"black or white", "black or white", false},
	{"arithmetic text", "x+y=z", false},
	{"inches", `RED SHOES 9"&PAGE=1&REF=RELATED`, false},
	{"dash words", "BLUE -BABY' -SHOES -HEEL --INFANT -CHILD", false},
	{"like stamp", `"LIKE" STAMP`, false},
	{"select from where prose", "select x from y where", false},
	{"hash in prose", "Please select pair #1", false},
	{"json", `{"name": "x", "tags": ["a", "b"]}`, false},
	{"email", "jane.o'neil@example.com", false},
	{"url", "https://example.com/a?b=c&d=e#frag", false},
	{"date", "2024-05-01..2024-05-31", false},
	{"number", "-12.5e3", false},
	{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi", false},
	{"markdown code", "`make build && make test` fails with `'make' is not recognized`.", false},
	{"go code", "```go\nfunc main() {\n\tfmt.Println(\"hello, world\")\n}\n```", false},
	{"quoted phrase", "He said 'hello' and 'bye'", false},
	{"product or", "8 OR 9 WLV", false},
	{"if with a bare name before a statement word", "If we copy the feed, we can get to the RSS bandwidth through the optical THX system!", false},
	{"if with a condition before a statement", "1; if (1=1) waitfor delay '0:0:5'--", true},
	{"operator left dangling by a comment", "6=#`\"sh}_b9x__w", false},
	{"random password closing a quote into a comment", "so&a}epn&'#", false},
	{"random password with a quote and a comparison", "v/r*{o'>5#1)v`", false},
	{"comment after a dangling or with a tautology", "1='1' or-- -", true},
	{"name closing a quote into a comment", "admin'#", true},
	{"noisy prefix, strong injection", "a$b{c}'; drop table users--", true},
	{"empty", "", false},
}

// detect returns the fragment Detect finds in s.
func detect(s string) (string, bool) {
	start, end, ok := Detect(s)
	if !ok {
		return "", false
	}
	return s[start:end], true
}

func TestDetectRows(t *testing.T) {
	for _, r := range detectRows {
		t.Run(r.name, func(t *testing.T) {
			h, ok := detect(r.in)
			if ok != r.match {
				t.Fatalf("Detect(%q) = %v (%q), want %v", r.in, ok, h, r.match)
			}
			if ok && (h == "" || !strings.Contains(r.in, h)) {
				t.Fatalf("highlight %q is not a part of %q", h, r.in)
			}
		})
	}
}

// Regression floors measured on the shared corpus (../shared/corpus): they
// fail when detection gets worse, not when it improves.
const (
	sqliRecallFloor      = 0.9246 // measured 0.9346 (13,726 of 14,687) on payloads/sqli.jsonl, minus 1 point
	sqliBenignFPCeiling  = 0.001  // measured 0 of 1,049 on payloads/benign.jsonl
	sqliRequestFPCeiling = 0.0001 // measured 0 of 28,777 values of requests/benign.jsonl
)

func TestDetectCorpus(t *testing.T) {
	attacks := corpus.Payloads(t, "sqli")
	hit := 0
	for _, p := range attacks {
		if _, ok := detect(p.Payload); ok {
			hit++
		}
	}
	recall := float64(hit) / float64(len(attacks))

	benign := corpus.Payloads(t, "benign")
	fp := 0
	for _, p := range benign {
		if h, ok := detect(p.Payload); ok {
			fp++
			t.Logf("false positive %q (%q)", p.Payload, h)
		}
	}
	fpRate := float64(fp) / float64(len(benign))

	values := benignRequestValues(t)
	rfp := 0
	for _, v := range values {
		if h, ok := detect(v); ok {
			rfp++
			t.Logf("false positive in requests %q (%q)", v, h)
		}
	}
	rRate := float64(rfp) / float64(len(values))
	t.Logf("recall %d/%d = %.2f%%; benign payloads %d/%d = %.2f%%; benign request values %d/%d = %.3f%%",
		hit, len(attacks), 100*recall, fp, len(benign), 100*fpRate, rfp, len(values), 100*rRate)
	if recall < sqliRecallFloor {
		t.Errorf("recall %.4f below the floor %.4f", recall, sqliRecallFloor)
	}
	if fpRate > sqliBenignFPCeiling {
		t.Errorf("benign payload false positives %.4f above %.4f", fpRate, sqliBenignFPCeiling)
	}
	if rRate > sqliRequestFPCeiling {
		t.Errorf("benign request false positives %.4f above %.4f", rRate, sqliRequestFPCeiling)
	}
}

// benignRequestValues pulls the strings a WAF would hand to is_sqli out of
// the benign requests, roughly: query values, form values, and the string
// values and keys of JSON bodies.
func benignRequestValues(t *testing.T) []string {
	var out []string
	for _, r := range corpus.Requests(t, "benign") {
		if u, err := url.ParseRequestURI(r.Request.URI); err == nil {
			for _, vs := range u.Query() {
				out = append(out, vs...)
			}
		}
		body := r.Request.Body
		var ct string
		for _, h := range r.Request.Headers {
			if strings.EqualFold(h[0], "Content-Type") {
				ct = h[1]
			}
		}
		switch {
		case strings.HasPrefix(ct, "application/json"):
			var v any
			if json.Unmarshal([]byte(body), &v) == nil {
				out = jsonStrings(v, out)
			}
		case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
			if q, err := url.ParseQuery(body); err == nil {
				for _, vs := range q {
					out = append(out, vs...)
				}
			}
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d values extracted from the benign requests", len(out))
	}
	return out
}

func jsonStrings(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = jsonStrings(e, out)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, k)
			out = jsonStrings(e, out)
		}
	case float64:
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// FuzzDetect checks that Detect never panics, is deterministic, returns a
// highlight that is a part of the value exactly when it matches, and that
// the pooled state does not leak between calls.
func FuzzDetect(f *testing.F) {
	for _, r := range detectRows {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h1, ok1 := detect(s)
		detect("1' union select 1,2-- " + s)
		h2, ok2 := detect(s)
		if ok1 != ok2 || h1 != h2 {
			t.Fatalf("non-deterministic on %q: %v %q then %v %q", s, ok1, h1, ok2, h2)
		}
		if ok1 != (h1 != "") {
			t.Fatalf("match %v with highlight %q", ok1, h1)
		}
		if ok1 && !strings.Contains(s, h1) {
			t.Fatalf("highlight %q not in %q", h1, s)
		}
		// Lexing a short prefix first gives the same answer.
		defer func(n int) { sqliPrefixTokens = n }(sqliPrefixTokens)
		for _, n := range []int{0, 2} {
			sqliPrefixTokens = n
			if h3, ok3 := detect(s); ok3 != ok1 || h3 != h1 {
				t.Fatalf("prefix of %d tokens on %q: %v %q, of 64: %v %q", n, s, ok3, h3, ok1, h1)
			}
		}
	})
}

func TestDetectLimits(t *testing.T) {
	deep := strings.Repeat("(", 100000) + "1"
	if _, ok := detect(deep); ok {
		t.Error("bare parentheses matched")
	}
	if _, ok := detect(strings.Repeat("((", 10) + "1 or 1=1--"); !ok {
		t.Error("nested tautology missed")
	}
	long := strings.Repeat("lorem ipsum dolor ", 10000) + "' or 1=1--"
	if _, ok := detect(long); ok {
		t.Error("a payload past sqliMaxInput was examined")
	}
}

// TestDetectPrefixSame checks that lexing a prefix of the tokens first
// changes no answer and no highlight: every corpus payload (as it is,
// lower-cased, and behind a quote), and long values built from them, with
// the prefix on and off.
func TestDetectPrefixSame(t *testing.T) {
	var vals []string
	for _, cat := range []string{"sqli", "xss", "rce", "lfi", "ssti", "nosqli", "protocol", "benign"} {
		for _, p := range corpus.Payloads(t, cat) {
			vals = append(vals, p.Payload)
		}
	}
	var inputs []string
	for i, v := range vals {
		inputs = append(inputs, v, strings.ToLower(v), "x' "+v)
		if i > 0 && i%7 == 0 {
			// Long values: the prefix ends inside them.
			long := strings.Join([]string{vals[i-3], vals[i-2], vals[i-1], v}, " ")
			inputs = append(inputs, long, strings.Repeat("plain words and more ", 8)+v)
		}
	}
	defer func(n int) { sqliPrefixTokens = n }(sqliPrefixTokens)
	type answer struct {
		hl string
		ok bool
	}
	full := make([]answer, len(inputs))
	sqliPrefixTokens = 0
	for i, in := range inputs {
		full[i].hl, full[i].ok = detect(in)
	}
	matched := 0
	for _, n := range []int{64, 8, 3} {
		sqliPrefixTokens = n
		for i, in := range inputs {
			hl, ok := detect(in)
			if ok != full[i].ok || hl != full[i].hl {
				t.Fatalf("prefix %d on %q: %v %q, all tokens: %v %q", n, in, ok, hl, full[i].ok, full[i].hl)
			}
			if ok {
				matched++
			}
		}
	}
	t.Logf("%d inputs, %d matches", len(inputs), matched)
	if matched == 0 {
		t.Fatal("nothing matched")
	}
}
