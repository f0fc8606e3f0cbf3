package sqli

import (
	"strings"
	"testing"
)

// FuzzCheck checks that the finder visits every occurrence of the input,
// and, in every dialect, that Check does not panic, gives the same answer
// twice, reports only a non-empty input that occurs in the statement,
// never reports an input absent from the statement, never reports a short
// word or number (at most ShortInput bytes of letters, digits, '_' and
// spaces) in a statement that lexes, and
// never reports an input that the application quoted correctly when it
// occurs only within the literal (inputs free of quotes and backslashes in
// every dialect; any input with quotes doubled in PostgreSQL, and with
// quotes and backslashes escaped by backslashes in MySQL).
func FuzzCheck(f *testing.F) {
	for _, r := range checkRows {
		f.Add(r.stmt, r.input)
	}
	for _, p := range pairs {
		f.Add(p.exploit, p.eIn)
		f.Add(p.benign, p.bIn)
	}
	f.Add("SELECT 1", "no such input")
	f.Fuzz(func(t *testing.T, stmt, in string) {
		if in != "" {
			// The finder visits exactly the occurrences strings.Index finds.
			fd := newFinder(in)
			p := fd.next(stmt, 0)
			for off := 0; ; {
				i := strings.Index(stmt[off:], in)
				if i < 0 {
					if p != -1 {
						t.Fatalf("finder gave %d for %q in %q, want -1", p, in, stmt)
					}
					break
				}
				if p != off+i {
					t.Fatalf("finder gave %d for %q in %q, want %d", p, in, stmt, off+i)
				}
				off += i + 1
				p = fd.next(stmt, p+1)
			}
		}
		for _, d := range Dialects() {
			f1, ok1 := Check(d, stmt, []string{in, "zz"})
			f2, ok2 := Check(d, stmt, []string{in, "zz"})
			if ok1 != ok2 || f1 != f2 {
				t.Fatalf("%v: not deterministic: %v %+v, %v %+v", d, ok1, f1, ok2, f2)
			}
			if ok1 {
				if f1.Input != in || in == "" || !strings.Contains(stmt, in) || f1.Reason == "" {
					t.Fatalf("%v: bad finding %+v for input %q in %q", d, f1, in, stmt)
				}
			} else if f1 != (Finding{}) {
				t.Fatalf("%v: finding %+v without a match", d, f1)
			}
			if !strings.Contains(stmt, in) && ok1 {
				t.Fatalf("%v: input %q absent from %q reported", d, in, stmt)
			}
			if in != "" && checkEvery(d, stmt, in) != ok1 {
				t.Fatalf("%v: skipping occurrences changed the verdict on %q in %q (%v)", d, in, stmt, ok1)
			}
			if ok1 && len(in) <= ShortInput && strings.Trim(in, wordish) == "" && lexes(d, stmt) {
				t.Fatalf("%v: short word %q reported in %q: %s", d, in, stmt, f1.Reason)
			}
			// The same input quoted by the application.
			if strings.ContainsAny(in, "'\\") || strings.ContainsAny(in, "\x00") {
				continue
			}
			q := quotedStmt(in)
			if f, ok := Check(d, q, []string{in}); ok && onlyInLiteral(q, in) {
				t.Fatalf("%v: quoted input %q reported in %q: %s", d, in, q, f.Reason)
			}
		}
		esc := quotedStmt(strings.ReplaceAll(in, "'", "''"))
		if f, ok := Check(PostgreSQL, esc, []string{in}); ok && onlyInLiteral(esc, in) {
			t.Fatalf("escaped input %q reported in %q: %s", in, esc, f.Reason)
		}
		esc = quotedStmt(strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(in))
		if f, ok := Check(MySQL, esc, []string{in}); ok && onlyInLiteral(esc, in) {
			t.Fatalf("escaped input %q reported in %q: %s", in, esc, f.Reason)
		}
	})
}

const quotedPrefix, quotedSuffix = "SELECT a FROM t WHERE b = ", " AND c = 1"

// quotedStmt puts lit, quoted, in a statement.
func quotedStmt(lit string) string { return quotedPrefix + "'" + lit + "'" + quotedSuffix }

// onlyInLiteral reports whether every occurrence of in in the statement
// made by quotedStmt lies within the literal, quotes included: an
// occurrence that overlaps the application's own text is a coincidence
// Check may report, as it judges every occurrence.
func onlyInLiteral(stmt, in string) bool {
	lo, hi := len(quotedPrefix), len(stmt)-len(quotedSuffix)
	for off := 0; ; {
		i := strings.Index(stmt[off:], in)
		if i < 0 {
			return true
		}
		if off+i < lo || off+i+len(in) > hi {
			return false
		}
		off += i + 1
	}
}

// wordish are the bytes of short words and numbers.
const wordish = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ "

// lexes reports whether stmt has no Invalid token under d.
func lexes(d Dialect, stmt string) bool {
	for _, t := range Tokenize(d, stmt, nil) {
		if t.Kind == Invalid {
			return false
		}
	}
	return true
}

// checkEvery is Check for one input judging every occurrence, without
// the jumps over occurrences inside one literal or comment.
func checkEvery(d Dialect, stmt, in string) bool {
	c := checker{d: d, s: stmt, valid: -1}
	defer c.release()
	st := memo{escTok: -1, quotTok: -1}
	for off := 0; len(in) <= len(stmt); {
		k := strings.Index(stmt[off:], in)
		if k < 0 {
			return false
		}
		c.lex()
		if c.occurrence(off+k, off+k+len(in), &st) != "" {
			return true
		}
		off += k + 1
	}
	return false
}
