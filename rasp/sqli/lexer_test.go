package sqli

import (
	"strings"
	"testing"
)

// kindCode is a one-letter name per kind for compact expectations.
var kindCode = [numKinds]string{"!", "_", "c", "k", "f", "i", "q", "s", "n", "o", "p", "v"}

// render writes the non-whitespace tokens as "code:text" separated by spaces.
func render(s string, toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.Kind == Whitespace {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kindCode[t.Kind])
		b.WriteByte(':')
		b.WriteString(s[t.Start:t.End])
	}
	return b.String()
}

// lexRows is the one table of lexer cases: unit test rows and fuzz seeds.
var lexRows = []struct {
	name string
	d    Dialect
	in   string
	want string
}{
	{"select", Generic, "SELECT a, b FROM t WHERE id = 1", "k:SELECT i:a p:, i:b k:FROM i:t k:WHERE i:id o:= n:1"},
	{"functions", Generic, "sleep(5) concat(0x41,'b')", "f:sleep p:( n:5 p:) f:concat p:( n:0x41 p:, s:'b' p:)"},
	{"numbers", Generic, "1 1.5 .5 1e3 1.e-2 0x1F 0b101 12abc", "n:1 n:1.5 n:.5 n:1e3 n:1.e-2 n:0x1F n:0b101 n:12 i:abc"},
	{"operators", Generic, "a<=>b<>c!=d||e&&f:=g", "i:a o:<=> i:b o:<> i:c o:!= i:d o:|| i:e o:&& i:f o::= i:g"},
	{"mysql backslash", MySQL, `'it\'s' "a\"b" 'x''y'`, `s:'it\'s' s:"a\"b" s:'x''y'`},
	{"mysql backtick", MySQL, "`my``col`", "q:`my``col`"},
	{"mysql hash", MySQL, "1 # rest\n2", "n:1 c:# rest n:2"},
	{"mysql dash needs space", MySQL, "1--1 -- c", "n:1 o:- o:- n:1 c:-- c"},
	{"mysql dash at end", MySQL, "1--", "n:1 c:--"},
	{"mysql version comment", MySQL, "/*!50000union*/ /*!select*/1", "c:/*!50000 k:union c:*/ c:/*! k:select c:*/ n:1"},
	{"mysql plain comment", MySQL, "un/**/ion", "i:un c:/**/ i:ion"},
	{"mysql variables", MySQL, "@@version @a @`q`", "v:@@version v:@a o:@ q:`q`"},
	{"mysql unterminated", MySQL, "'abc", "!:'abc"},
	{"mysql unterminated comment", MySQL, "1 /* x", "n:1 !:/* x"},
	{"postgres standard string", PostgreSQL, `'a\' || 'b'`, `s:'a\' o:|| s:'b'`},
	{"postgres E string", PostgreSQL, `E'a\'b' e`, `s:E'a\'b' i:e`},
	{"postgres dollar", PostgreSQL, "$$a'b$$ $fn$ x $fn$ $1", "s:$$a'b$$ s:$fn$ x $fn$ v:$1"},
	{"postgres dollar unterminated", PostgreSQL, "$q$ abc", "!:$q$ abc"},
	{"postgres nested comment", PostgreSQL, "/* a /* b */ c */ 1", "c:/* a /* b */ c */ n:1"},
	{"postgres ident", PostgreSQL, `"Tab""le"."x"::int`, `q:"Tab""le" p:. q:"x" o::: k:int`},
	{"postgres hash is operator", PostgreSQL, "a # b -- c", "i:a o:# i:b c:-- c"},
	{"sqlite brackets", SQLite, "[my]]col] `b` \"c\" :p $v @w ?", "q:[my]]col] q:`b` q:\"c\" v::p v:$v v:@w v:?"},
	{"sqlite no backslash", SQLite, `'a\' x`, `s:'a\' i:x`},
	{"mssql brackets", MSSQL, "[dbo].[t] N'x' @@VERSION", "q:[dbo] p:. q:[t] s:N'x' v:@@VERSION"},
	{"mssql nested comment", MSSQL, "/* /* */ */x", "c:/* /* */ */ i:x"},
	{"mssql waitfor", MSSQL, "; waitfor delay '0:0:5'--", "p:; k:waitfor k:delay s:'0:0:5' c:--"},
	{"oracle q quote", Oracle, "q'[it's]' nq'{x}' Q'!a'b!'", "s:q'[it's]' s:nq'{x}' s:Q'!a'b!'"},
	{"oracle q unterminated", Oracle, "q'[abc", "!:q'[abc"},
	{"oracle bind", Oracle, "id = :id and v$version", "i:id o:= v::id k:and i:v$version"},
	{"oracle dquote ident", Oracle, `"a" || 'b'`, `q:"a" o:|| s:'b'`},
	{"hex string", Generic, "X'4142' b'01'", "s:X'4142' s:b'01'"},
	{"control byte", Generic, "a\x00b", "i:a !:\x00 i:b"},
	{"utf8 words", Generic, "naïve café", "i:naïve i:café"},
	{"generic dash", Generic, "1--x", "n:1 c:--x"},
	{"punct", Generic, "a.b(c);", "i:a p:. i:b p:( i:c p:) p:;"},
	{"catalog word", Generic, "information_schema.tables", "i:information_schema p:. k:tables"},
}

func TestTokenize(t *testing.T) {
	for _, r := range lexRows {
		t.Run(r.name, func(t *testing.T) {
			toks := Tokenize(r.d, r.in, nil)
			checkTiling(t, r.in, toks)
			if got := render(r.in, toks); got != r.want {
				t.Errorf("%v %q:\n got  %s\n want %s", r.d, r.in, got, r.want)
			}
		})
	}
}

// checkTiling asserts the token spans tile s exactly with valid kinds.
func checkTiling(t testing.TB, s string, toks []Token) {
	t.Helper()
	pos := 0
	for i, tk := range toks {
		if tk.Start != pos || tk.End <= tk.Start || tk.Kind >= numKinds {
			t.Fatalf("token %d %+v does not continue at %d in %q", i, tk, pos, s)
		}
		pos = tk.End
	}
	if pos != len(s) {
		t.Fatalf("tokens end at %d, input has %d bytes: %q", pos, len(s), s)
	}
	if len(toks) > len(s)+1 {
		t.Fatalf("%d tokens for %d bytes", len(toks), len(s))
	}
}

func TestWhitespaceRuns(t *testing.T) {
	s := "a \t\n b"
	toks := Tokenize(Generic, s, nil)
	if len(toks) != 3 || toks[1].Kind != Whitespace || toks[1].Text(s) != " \t\n " {
		t.Fatalf("got %+v", toks)
	}
}

func TestClasses(t *testing.T) {
	for _, c := range []struct {
		word string
		want Class
	}{
		{"SeLeCt", Statement}, {"union", SetOp}, {"OR", Logic}, {"like", WordOp},
		{"sleep", Danger}, {"information_schema", Catalog}, {"null", Value}, {"varchar", Type},
		{"from", Clause}, {"concat", Func},
	} {
		if got := Lookup(c.word); got&c.want == 0 {
			t.Errorf("Lookup(%q) = %b, want flag %b", c.word, got, c.want)
		}
	}
	if Lookup("rampart") != 0 || Lookup(strings.Repeat("a", 100)) != 0 || Lookup("") != 0 {
		t.Error("unknown words must have class 0")
	}
	toks := Tokenize(Generic, "select sleep(1) foo", nil)
	if toks[0].Kind != Keyword || toks[2].Kind != Function || toks[2].Class&Danger == 0 || toks[len(toks)-1].Kind != Identifier {
		t.Errorf("kinds: %+v", toks)
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{
		"mysql": MySQL, "MariaDB": MySQL, "postgres": PostgreSQL, "postgresql": PostgreSQL,
		"pgx": PostgreSQL, "pgx/v5": PostgreSQL, "sqlite": SQLite, "sqlite3": SQLite,
		"sqlserver": MSSQL, "mssql": MSSQL, "oracle": Oracle, "godror": Oracle,
		"": Generic, "db2": Generic, "cloudsqlpostgres": PostgreSQL,
		"pgsql": PostgreSQL, "PGSQL": PostgreSQL, " postgresql ": PostgreSQL, "psql": PostgreSQL,
		"pg": PostgreSQL, "pq": PostgreSQL, "cockroachdb": PostgreSQL, "aws.redshift": PostgreSQL,
		"pdo_pgsql": PostgreSQL, "nrpgx": PostgreSQL, "mysql2": MySQL, "aurora-mysql": MySQL,
		"libsql": SQLite, "sqlite3_extended": SQLite, "microsoft.sql_server": MSSQL,
		"azuresql": MSSQL, "SQL Server": MSSQL, "oracle.db": Oracle, "oci8": Oracle, "go-ora": Oracle,
	} {
		if got := ParseDialect(in); got != want {
			t.Errorf("ParseDialect(%q) = %v, want %v", in, got, want)
		}
	}
	for _, d := range Dialects() {
		if ParseDialect(d.String()) != d {
			t.Errorf("ParseDialect(%q) does not round-trip", d.String())
		}
	}
}

func TestMaxTokens(t *testing.T) {
	s := strings.Repeat("a,", MaxTokens)
	toks := Tokenize(Generic, s, nil)
	checkTiling(t, s, toks)
	if len(toks) != MaxTokens || toks[len(toks)-1].Kind != Invalid {
		t.Fatalf("got %d tokens, last %v", len(toks), toks[len(toks)-1].Kind)
	}
}

func TestTokenizeNoAlloc(t *testing.T) {
	dst := make([]Token, 0, 64)
	s := "1' union select concat(user(),0x3a,version()) from dual-- x"
	if n := testing.AllocsPerRun(100, func() { dst = Tokenize(MySQL, s, dst) }); n != 0 {
		t.Fatalf("Tokenize allocated %v times with capacity", n)
	}
}

func TestScannerZero(t *testing.T) {
	var sc Scanner
	if _, ok := sc.Next(); ok {
		t.Fatal("zero Scanner produced a token")
	}
}

func BenchmarkTokenize(b *testing.B) {
	s := "SELECT id, name, email FROM users WHERE name = 'O''Brien' AND age > 30 ORDER BY id LIMIT 10"
	dst := make([]Token, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		dst = Tokenize(PostgreSQL, s, dst)
	}
}
