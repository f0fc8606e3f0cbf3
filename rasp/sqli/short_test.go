package sqli

import (
	"strings"
	"testing"
)

// pairs are exploit/benign pairs of the same shape: the same input, or an
// input of the same kind, once changing the statement's structure and once
// not.
var pairs = []struct {
	name         string
	d            Dialect
	exploit, eIn string
	benign, bIn  string
}{
	// Short inputs that end a literal and swallow the application's quote.
	{"quote dash dash", PostgreSQL,
		`SELECT * FROM u WHERE name = ''--' AND pass = 'x'`, `'--`,
		`SELECT * FROM u WHERE name = '''--' AND pass = 'x'`, `'--`},
	{"quote hash", MySQL,
		`SELECT * FROM u WHERE name = ''#' AND pass = 'x'`, `'#`,
		`SELECT * FROM u WHERE name = '\'#' AND pass = 'x'`, `'#`},
	{"quote paren hash", MySQL,
		`SELECT * FROM u WHERE id IN ('')#')`, `')#`,
		`SELECT * FROM u WHERE id IN ('\')#')`, `')#`},
	{"quote block comment", MySQL,
		`SELECT * FROM u WHERE a = ''/*' AND b = 1`, `'/*`,
		`SELECT * FROM u WHERE a = '\'/*' AND b = 1`, `'/*`},
	{"quote separator", SQLite,
		`SELECT * FROM u WHERE a = '';' AND b = 1`, `';`,
		`SELECT * FROM u WHERE a = ''';' AND b = 1`, `';`},
	{"double quote dash dash", MySQL,
		`SELECT * FROM u WHERE a = ""--" AND b = 1`, `"--`,
		`SELECT * FROM u WHERE a = "\"--" AND b = 1`, `"--`},
	{"quote equals quote", MySQL,
		`SELECT * FROM u WHERE name = ''='' AND active = 1`, `'='`,
		`SELECT * FROM u WHERE name = '\'=\'' AND active = 1`, `'='`},
	{"quote dash dash generic", Generic,
		`SELECT * FROM u WHERE name = ''--' AND pass = 'x'`, `'--`,
		`SELECT * FROM u WHERE name = '\'--' AND pass = 'x'`, `'--`},
	{"quote dash dash space", MySQL,
		`SELECT * FROM u WHERE name = ''-- ' AND pass = 'x'`, `'-- `,
		`SELECT * FROM u WHERE name = '\'-- ' AND pass = 'x'`, `'-- `},
	// Short inputs after a value: a comment or a separator.
	{"number hash", MySQL,
		`SELECT * FROM t WHERE id = 1# AND owner = 5`, `1#`,
		`SELECT * FROM t WHERE id = '1#' AND owner = 5`, `1#`},
	{"number separator", MySQL,
		`SELECT * FROM t WHERE id = 1; AND owner = 5`, `1;`,
		`SELECT * FROM t WHERE id = 1;`, `1;`},
	{"number dash dash", PostgreSQL,
		`SELECT * FROM t WHERE id = 1-- AND owner = 5`, `1--`,
		`SELECT * FROM t WHERE id = '1--' AND owner = 5`, `1--`},
	{"paren hash", MySQL,
		`SELECT * FROM t WHERE (id = 1)# AND owner = 5)`, `1)#`,
		`SELECT * FROM t WHERE (id = 1) AND owner = 5`, `1)`},
	{"completes a comment opener", PostgreSQL,
		`UPDATE acct SET bal = bal --1 WHERE id = 7`, `-1`,
		`UPDATE acct SET bal = bal - -1 WHERE id = 7`, `-1`},
	{"completes a comment opener, long", SQLite,
		`UPDATE acct SET bal = bal --100 WHERE id = 7`, `-100`,
		`UPDATE acct SET bal = bal - -100 WHERE id = 7`, `-100`},
	// A lone quote or backslash: reported when it breaks the statement.
	{"lone quote", MySQL,
		`SELECT * FROM u WHERE name = ''' AND x = 1`, `'`,
		`SELECT * FROM u WHERE name = '''' AND x = 1`, `'`},
	{"lone quote, other literals", PostgreSQL,
		`SELECT * FROM u WHERE name = ''' AND x = 'y'`, `'`,
		`SELECT * FROM u WHERE name = '''' AND x = 'y'`, `'`},
	{"lone backslash", MySQL,
		`SELECT * FROM u WHERE a = '\' AND b = 1`, `\`,
		`SELECT * FROM u WHERE a = '\\' AND b = 1`, `\`},
	{"backslash of the application's escape", MySQL,
		`SELECT * FROM u WHERE a = 'x\' AND b = 1`, `x\`,
		`SELECT * FROM u WHERE a = 'it\'s' AND b = 'x'`, `\`},
	// Coincidences with the application's own delimiters.
	{"application's comment after a literal", MySQL,
		`SELECT * FROM t WHERE a IN ('')#')`, `')#`,
		`SELECT * FROM t WHERE a IN ('x')# note`, `')#`},
	{"application's block comment", MySQL,
		`SELECT * FROM t WHERE a = 1 /* AND owner = 5 /* c */`, `/*`,
		`SELECT * FROM t WHERE a = 1 /* app */`, `/*`},
	{"application's comment closer", MySQL,
		`SELECT * FROM t WHERE a = 1 /* AND owner = 5 /* c */`, `/*`,
		`SELECT * FROM t WHERE a = 1 /* app */`, `*/`},
	{"comment in the application's comment", MySQL,
		`SELECT * FROM t WHERE a = ''-- ' AND b = 1`, `'-- `,
		`SELECT * FROM t WHERE a = 'x' -- note: '-- `, `'-- `},
	{"block comment in the application's line comment", PostgreSQL,
		`SELECT * FROM t WHERE a = 1 /* AND b = 2`, `/*`,
		`SELECT 1 -- note: /*`, `/*`},
	{"line comment in the application's block comment", SQLite,
		`SELECT * FROM t WHERE a = 1 -- AND b = 2`, `--`,
		`SELECT 1 /* note: -- */ FROM t`, `--`},
	{"nested comment opener", PostgreSQL,
		`SELECT 1 /* note: /* */ FROM t`, `/*`,
		`SELECT 1 /* note: /* */ FROM t`, `*/`},
	{"comment opener inside a comment that does not nest", PostgreSQL,
		`SELECT 1 /* note: /* */ FROM t`, `/*`,
		`SELECT 1 /* note: /* */ FROM t`, `note`},
	{"comment opener inside a comment, MySQL", MySQL,
		`SELECT * FROM t WHERE a = 1 /* AND b = 2`, `/*`,
		`SELECT 1 /* note: x /* y */ FROM t`, `x /* y`},
	{"line comment opener inside the application's line comment", PostgreSQL,
		`SELECT * FROM t WHERE a = 1 -- AND b = 2`, `--`,
		`SELECT * FROM t WHERE a = 1 -- note: --`, `--`},
	{"hash inside the application's hash comment", MySQL,
		`SELECT * FROM t WHERE a = 1 # AND b = 2`, `#`,
		`SELECT * FROM t WHERE a = 1 # note: #`, `#`},
	// ORDER BY, LIMIT and IN lists.
	{"sort column and direction", PostgreSQL,
		`SELECT * FROM t ORDER BY name DESC; DROP TABLE t`, `name DESC; DROP TABLE t`,
		`SELECT * FROM t ORDER BY name DESC`, `name DESC`},
	{"sort list", MySQL,
		`SELECT * FROM t ORDER BY name, sleep(5)`, `name, sleep(5)`,
		`SELECT * FROM t ORDER BY name, created_at desc`, `name, created_at desc`},
	{"sort nulls last", PostgreSQL,
		`SELECT * FROM t u ORDER BY u.name ASC NULLS LAST, (CASE WHEN 1=1 THEN name ELSE id END)`, `u.name ASC NULLS LAST, (CASE WHEN 1=1 THEN name ELSE id END)`,
		`SELECT * FROM t u ORDER BY u.name ASC NULLS LAST`, `u.name ASC NULLS LAST`},
	{"sort after the application's items", SQLite,
		`SELECT * FROM t ORDER BY created_at DESC, name ASC LIMIT (SELECT 1)`, `name ASC LIMIT (SELECT 1)`,
		`SELECT * FROM t ORDER BY created_at DESC, name ASC`, `name ASC`},
	{"sort words outside ORDER BY", MySQL,
		`SELECT * FROM t WHERE a = name DESC`, `name DESC`,
		`SELECT * FROM t ORDER BY 2 DESC, 1`, `2 DESC, 1`},
	{"sort quoted names", PostgreSQL,
		`SELECT * FROM t ORDER BY "name" DESC, pg_sleep(1)`, `"name" DESC, pg_sleep(1)`,
		`SELECT * FROM t ORDER BY "name" DESC, t.status`, `"name" DESC, t.status`},
	{"limit offset", PostgreSQL,
		`SELECT * FROM t LIMIT 10 UNION SELECT password FROM users`, `10 UNION SELECT password FROM users`,
		`SELECT * FROM t LIMIT 10 OFFSET 20`, `10 OFFSET 20`},
	{"limit comma", MySQL,
		`SELECT * FROM t LIMIT 20, 10 PROCEDURE ANALYSE()`, `20, 10 PROCEDURE ANALYSE()`,
		`SELECT * FROM t LIMIT 20, 10`, `20, 10`},
	{"number list", MySQL,
		`SELECT * FROM t WHERE id IN (1,2,3) OR (1=1)`, `1,2,3) OR (1=1`,
		`SELECT * FROM t WHERE id IN (1,2,3)`, `1,2,3`},
	{"signed number list", SQLite,
		`SELECT * FROM t WHERE id IN (-1, 2) OR 1=1`, `-1, 2) OR 1=1`,
		`SELECT * FROM t WHERE id IN (-1, 2)`, `-1, 2`},
	{"number list outside IN", PostgreSQL,
		`INSERT INTO t (a) VALUES (1,2,3)`, `1,2,3`,
		`SELECT * FROM t WHERE id IN (SELECT x FROM y WHERE z IN (1,2,3))`, `1,2,3`},
	{"quoted list", PostgreSQL,
		`SELECT * FROM t WHERE c IN ('a') OR ('1'='1')`, `a') OR ('1'='1`,
		`SELECT * FROM t WHERE c IN ('a','b')`, `a','b`},
	{"literal list", MSSQL,
		`SELECT * FROM t WHERE c IN ('a','b') UNION SELECT name FROM sys.tables`, `'a','b') UNION SELECT name FROM sys.tables`,
		`SELECT * FROM t WHERE c IN ('a','b')`, `'a','b'`},
	{"short list of literals", MySQL,
		`SELECT * FROM t WHERE c = '','' AND d = 1`, `','`,
		`SELECT * FROM t WHERE c IN ('a','b')`, `','`},
	// Statements that do not lex.
	{"unterminated by the input", MySQL,
		`SELECT * FROM t WHERE a = 'abcd\' AND b = 1`, `abcd\`,
		`SELECT * FROM t WHERE a = 'abcd`, `abcd`},
	{"control byte", PostgreSQL,
		"SELECT * FROM t WHERE a = 1 \x01", "1 \x01",
		"SELECT * FROM t WHERE b = 'abcd' AND a = 1 \x01", "abcd"},
	{"before the application's broken text", MySQL,
		`SELECT * FROM t WHERE a = 'x' OR 1=1 AND b = 'broken`, `x' OR 1=1`,
		`SELECT * FROM t WHERE a = 'x or 1=1' AND b = 'broken`, `x or 1=1`},
	{"inside the application's broken text", PostgreSQL,
		`SELECT * FROM t WHERE a = $q$x$q$ OR 1=1 AND b = $q$broken`, `x$q$ OR 1=1`,
		`SELECT * FROM t WHERE a = 'x' AND b = $q$broken x$q OR 1=1`, `x$q OR 1=1`},
}

func TestCheckPairs(t *testing.T) {
	for _, p := range pairs {
		if f, ok := Check(p.d, p.exploit, []string{p.eIn}); !ok || f.Input != p.eIn || f.Reason == "" {
			t.Errorf("%s: %v %q input %q: not reported (%+v)", p.name, p.d, p.exploit, p.eIn, f)
		}
		if f, ok := Check(p.d, p.benign, []string{p.bIn}); ok {
			t.Errorf("%s: %v %q input %q: reported: %s", p.name, p.d, p.benign, p.bIn, f.Reason)
		}
	}
}

// shortBenign are statements an application writes: every 1–3 byte
// string of them occurs as the application's own text, a word, a number
// or a symbol.
var shortBenign = []struct {
	d    Dialect
	stmt string
}{
	{PostgreSQL, `SELECT u.id, u.name, count(*) FROM users u WHERE u.id = $1 AND u.name LIKE '%a%' GROUP BY u.id, u.name ORDER BY 2 DESC LIMIT 10 OFFSET 20`},
	{MySQL, `SELECT * FROM t WHERE a = ? AND b IN (?, ?) AND c <> 'x' AND d = "y"`},
	{MySQL, `INSERT INTO t (a, b, c) VALUES ('it\'s', "q\"r", 1.5e3);`},
	{SQLite, "SELECT \"a\", [b], `c` FROM t WHERE d = :name AND e = @v AND f = ?1 AND g = 'it''s'"},
	{MSSQL, `SELECT TOP 10 * FROM [t] WHERE a = N'x' AND b = @p1 AND c = 'O''Brien' ORDER BY a ASC`},
	{Oracle, `SELECT * FROM t WHERE a = q'[it's]' AND b = :1 AND c = 'O''Brien'`},
	{PostgreSQL, `SELECT $tag$a;b$tag$, E'\n', x::int, 'a''b' FROM t WHERE a IN ('x', 'y') AND b = ''`},
	{MySQL, `SELECT * FROM t WHERE a IN ('x','y') AND b = '' AND c = '\\'`},
	{PostgreSQL, `SELECT * FROM t /* traceparent='00-4bf9-00f0-01' */`},
}

// TestCheckShortBenign checks every 1–3 byte substring of application
// statements as an input: none is reported, except the shapes Check
// reports by design even when the application wrote them (a comment
// opener, or a ';' between statements).
func TestCheckShortBenign(t *testing.T) {
	n := 0
	for _, r := range shortBenign {
		for k := 1; k <= ShortInput; k++ {
			for a := 0; a+k <= len(r.stmt); a++ {
				in := r.stmt[a : a+k]
				n++
				if f, ok := Check(r.d, r.stmt, []string{in}); ok && !byDesign(in) {
					t.Errorf("%v %q: short input %q reported: %s", r.d, r.stmt, in, f.Reason)
				}
			}
		}
	}
	t.Logf("%d short inputs", n)
}

// byDesign reports an input holding a line comment opener or a ';'.
func byDesign(in string) bool {
	return strings.Contains(in, "--") || strings.Contains(in, "#") || strings.Contains(in, ";")
}

// TestCheckShortInput checks short inputs by what they do, not by length.
func TestCheckShortInput(t *testing.T) {
	for _, r := range []struct {
		d       Dialect
		stmt    string
		in      string
		exploit bool
	}{
		{MySQL, "SELECT 1 OR 1=1", "1=1", false}, // arithmetic of values
		{MySQL, "SELECT * FROM t WHERE id = 1", "1", false},
		{MySQL, "SELECT * FROM t WHERE a LIKE '%a%'", "a", false},
		{MySQL, "SELECT * FROM t WHERE a LIKE '%a%'", "%", false},
		{PostgreSQL, "SELECT * FROM t WHERE a = $1", "$1", false},
		{PostgreSQL, "SELECT * FROM t WHERE a = 'x' OR ''=''", "OR", false},
		{MySQL, "SELECT * FROM t WHERE a = 1 OR 1=1", "OR 1=1", true},
		{MySQL, "SELECT * FROM t WHERE a = ''#'", "'#", true},
		{MySQL, "SELECT * FROM t WHERE a = ''#'\nAND b = 2", "'#", true},
		{MySQL, "SELECT * FROM t WHERE a = '' ''", "' '", true},
		{MySQL, `SELECT * FROM t WHERE a = ''"'`, `'"`, true},
		{MySQL, "SELECT * FROM t WHERE a = 1#", "1#", false}, // swallows nothing
		{MySQL, "SELECT * FROM t WHERE a = 1 ;", "1 ;", false},
	} {
		f, ok := Check(r.d, r.stmt, []string{r.in})
		if ok != r.exploit {
			t.Errorf("%v %q input %q: exploit=%v (%s), want %v", r.d, r.stmt, r.in, ok, f.Reason, r.exploit)
		}
	}
}
