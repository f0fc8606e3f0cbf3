package sqli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

var checkRows = []struct {
	d       Dialect
	stmt    string
	input   string
	exploit bool
}{
	{MySQL, "SELECT * FROM users WHERE name = 'alice smith'", "alice smith", false},
	{MySQL, "SELECT * FROM users WHERE name = 'x' OR '1'='1'", "x' OR '1'='1", true},
	{MySQL, "SELECT * FROM users WHERE id = 42 OR 1=1", "42 OR 1=1", true},
	{MySQL, "SELECT * FROM users WHERE id = 12345", "12345", false},
	{MySQL, "SELECT * FROM t ORDER BY created_at desc", "created_at", false},
	{MySQL, "SELECT * FROM t ORDER BY name DESC", "DESC", false},
	{MySQL, "SELECT * FROM t ORDER BY u.name", "u.name", false},
	{MySQL, "SELECT * FROM t WHERE id = 1; DROP TABLE users", "1; DROP TABLE users", true},
	{MySQL, "SELECT * FROM t WHERE a = 'admin'-- ' AND p = 'x'", "admin'-- ", true},
	{MySQL, "SELECT * FROM t WHERE a = 'it\\'s fine'", "it\\'s fine", false},
	{MySQL, "SELECT * FROM t WHERE a = 'abc\\' AND b = ' OR 1=1 -- '", "abc\\", true},
	{PostgreSQL, "SELECT * FROM t WHERE a = 'abc\\' AND b = 'x'", "abc\\", false},
	{PostgreSQL, "SELECT * FROM t WHERE a = 'O''Brien'", "O''Brien", false},
	{PostgreSQL, "SELECT * FROM t WHERE a = 'x'' OR 1=1'", "x' OR 1=1", false},
	{PostgreSQL, "SELECT * FROM t WHERE a = E'abc\\' AND b = 'x'", "abc\\", true},
	{SQLite, "SELECT * FROM t WHERE a = '''-@a2 union select x from t'", "'-@a2 union select x from t", false},
	{MySQL, "SELECT * FROM t WHERE a = 'abc\\\\'", "abc\\\\", false},
	{MySQL, "SELECT * FROM t WHERE a = 'abc\\\\\\' OR 1", "abc\\\\\\", true},
	{SQLite, "SELECT * FROM t WHERE price > -12.5", "-12.5", false},
	{SQLite, "SELECT * FROM t WHERE id = 1 UNION SELECT sqlite_version()", "1 UNION SELECT sqlite_version()", true},
	{MSSQL, "SELECT * FROM t WHERE a = 'x'; EXEC xp_cmdshell 'dir'--'", "x'; EXEC xp_cmdshell 'dir'--", true},
	{MSSQL, "SELECT * FROM [order details] WHERE id = 7", "order details", false},
	{MySQL, "SELECT * FROM t WHERE id = 5 #comment", "5 #comment", true},
	{MySQL, "SELECT * FROM t LIMIT 10 #abcd", "#abcd", true},
	{MySQL, "SELECT * FROM t WHERE a = 'not here'", "other", false},
	{MySQL, "SELECT * FROM t WHERE a = '/* x */'", "/* x */", false},
	{MySQL, "SELECT * FROM t WHERE a = 1 /* x */", "/* x */", true},
	{MySQL, "SELECT * FROM t WHERE a = 'abcd", "abcd", false},
	{MySQL, "SELECT * FROM t WHERE a = 'abcd\\' AND b = 1", "abcd\\", true},
	{MySQL, "SELECT * FROM t WHERE a = 'abc' AND b = 'abc' OR 'x'='x'", "abc' OR 'x'='x", true},
}

func TestCheckRows(t *testing.T) {
	for _, r := range checkRows {
		f, got := Check(r.d, r.stmt, []string{"zz", r.input})
		if got != r.exploit {
			t.Errorf("%v %q input %q: exploit=%v (%q), want %v", r.d, r.stmt, r.input, got, f.Reason, r.exploit)
			continue
		}
		if got && (f.Input != r.input || f.Reason == "") {
			t.Errorf("%q: finding %+v", r.stmt, f)
		}
	}
}

// TestFinder checks the occurrence finder, including past its fallback.
func TestFinder(t *testing.T) {
	s := strings.Repeat("ab", 40) + "abz" + "xyzab" + "abz"
	for _, in := range []string{"abz", "ab", "zab", "xyz", "b", "abababz", "q"} {
		fd := newFinder(in)
		var got, want []int
		for p := fd.next(s, 0); p >= 0; p = fd.next(s, p+1) {
			got = append(got, p)
		}
		for off := 0; ; {
			i := strings.Index(s[off:], in)
			if i < 0 {
				break
			}
			want = append(want, off+i)
			off += i + 1
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
}

// TestCheckCorpus measures recall on exploit cases and false positives on
// benign ones, per dialect, against floors set at the measured figures:
// every exploit case caught in every dialect (recall 100%), no false
// positive.
func TestCheckCorpus(t *testing.T) {
	corpus.RASPRecall(t, "sql", corpus.RASPFloors{Recall: 1, MaxFP: 0,
		Group:     func(c corpus.RASPCase) string { return c.Dialect },
		MinGroups: 4, MinExploit: 300, MinBenign: 300,
	}, func(c corpus.RASPCase) (bool, string) {
		f, ok := Check(ParseDialect(c.Dialect), c.Resource, []string{c.Input})
		return ok, f.Reason
	})
}

func BenchmarkCheckNoOverlap(b *testing.B) {
	stmt := "SELECT id, name, email FROM users WHERE name = $1 AND status = $2 ORDER BY created_at DESC LIMIT 20"
	inputs := []string{"alice@example.com", "active", "some search words"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Check(PostgreSQL, stmt, inputs); ok {
			b.Fatal("finding")
		}
	}
}

func BenchmarkCheckOverlap1K(b *testing.B) {
	in := "x' OR '1'='1"
	var sb strings.Builder
	sb.WriteString("SELECT id, name, email, created_at FROM users u JOIN orders o ON o.user_id = u.id WHERE ")
	for sb.Len() < 1000 {
		sb.WriteString("o.status = 'shipped' AND u.country <> 'xx' AND ")
	}
	sb.WriteString("u.name = '" + in + "'")
	stmt := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Check(MySQL, stmt, []string{in}); !ok {
			b.Fatal("missed")
		}
	}
}

func BenchmarkCheckOverlapBenign1K(b *testing.B) {
	in := "O'Brien and sons"
	var sb strings.Builder
	sb.WriteString("SELECT id, name, email, created_at FROM users u JOIN orders o ON o.user_id = u.id WHERE ")
	for sb.Len() < 1000 {
		sb.WriteString("o.status = 'shipped' AND u.country <> 'xx' AND ")
	}
	sb.WriteString("u.name = 'O''Brien and sons' AND o.note = 'O''Brien and sons'")
	stmt := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Check(PostgreSQL, stmt, []string{in, "O''Brien and sons"}); ok {
			b.Fatal("false positive")
		}
	}
}

// TestCheckManyOccurrences checks verdicts on statements where an input
// occurs at every offset of a 1 MiB literal; the work per occurrence must
// not grow with the literal (a quadratic scan would not finish).
func TestCheckManyOccurrences(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	if f, ok := Check(MySQL, "SELECT 1 FROM t WHERE a = '"+long+"'", []string{"aaaa"}); ok {
		t.Fatalf("benign literal reported: %s", f.Reason)
	}
	bs := strings.Repeat(`\\`, 1<<19)
	if f, ok := Check(MySQL, "SELECT 1 FROM t WHERE a = '"+bs+"'", []string{`\\\\`}); ok {
		t.Fatalf("escaped backslashes reported: %s", f.Reason)
	}
	// An odd run of backslashes escapes the closing quote.
	if _, ok := Check(MySQL, "SELECT 1 FROM t WHERE a = '"+bs+`\' OR 1=1 -- '`, []string{bs + `\`}); !ok {
		t.Fatal("odd backslash run not reported")
	}
	cm := "SELECT 1 /* " + long + " */"
	if f, ok := Check(PostgreSQL, cm, []string{"aaaa"}); ok {
		t.Fatalf("comment text reported: %s", f.Reason)
	}
}

// TestCheckReasons checks that the reason names what the input added.
func TestCheckReasons(t *testing.T) {
	for _, r := range []struct {
		d             Dialect
		stmt, in, why string
	}{
		{MySQL, "SELECT * FROM u WHERE n = 'x' or '1'='1'", "x' or '1'='1", "input ends a string literal and adds OR"},
		{PostgreSQL, "SELECT * FROM u WHERE id = 1 UNION SELECT 2", "1 UNION SELECT 2", "input spans several tokens and adds UNION"},
		{MSSQL, "SELECT * FROM u WHERE id = 1; DROP TABLE u", "1; DROP TABLE u", "input spans several tokens and adds a statement separator"},
		{SQLite, "SELECT * FROM u WHERE n = 'ab'--'", "ab'--", "input ends a string literal and adds a comment"},
		{MySQL, "SELECT * FROM u WHERE n = 'x' AND b = 'abc\\'", "abc\\", "input leaves an unterminated literal or comment"},
		{MySQL, "SELECT * FROM u WHERE n = 'abc\\' AND b = '1'", "abc\\", "input escapes the quote after it"},
		{PostgreSQL, "SELECT * FROM u WHERE n = 'abcd AND b = 'x'", "'abcd", "input opens a literal the application closes"},
		{MySQL, "SELECT * FROM u ORDER BY 1 #abcd", "#abcd", "input adds a comment"},
	} {
		f, ok := Check(r.d, r.stmt, []string{r.in})
		if !ok || f.Reason != r.why {
			t.Errorf("%q: got %v %q, want %q", r.stmt, ok, f.Reason, r.why)
		}
	}
}

func BenchmarkCheckNoOverlap1K(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("SELECT id, name, email, created_at FROM users u JOIN orders o ON o.user_id = u.id WHERE ")
	for sb.Len() < 1000 {
		sb.WriteString("o.status = $1 AND u.country <> $2 AND ")
	}
	sb.WriteString("u.name = $3")
	stmt := sb.String()
	inputs := []string{"alice@example.com", "shipped", "O'Brien and sons"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Check(PostgreSQL, stmt, inputs); ok {
			b.Fatal("finding")
		}
	}
}
