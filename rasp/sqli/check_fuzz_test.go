package sqli

import (
	"strings"
	"testing"
)

// FuzzCheck checks, in every dialect, that Check does not panic, gives the
// same answer twice, reports only an input of at least MinInput bytes that
// occurs in the statement, never reports an input absent from the
// statement, and never reports an input that the application quoted
// correctly (a string literal of the input, with quotes doubled where the
// dialect has no backslash escapes, with quotes and backslashes escaped by
// backslashes in MySQL, and inputs free of quotes and backslashes in every
// dialect).
func FuzzCheck(f *testing.F) {
	for _, r := range checkRows {
		f.Add(r.stmt, r.input)
	}
	f.Add("SELECT 1", "no such input")
	f.Fuzz(func(t *testing.T, stmt, in string) {
		for _, d := range Dialects() {
			f1, ok1 := Check(d, stmt, []string{in, "zz"})
			f2, ok2 := Check(d, stmt, []string{in, "zz"})
			if ok1 != ok2 || f1 != f2 {
				t.Fatalf("%v: not deterministic: %v %+v, %v %+v", d, ok1, f1, ok2, f2)
			}
			if ok1 {
				if f1.Input != in || len(in) < MinInput || !strings.Contains(stmt, in) || f1.Reason == "" {
					t.Fatalf("%v: bad finding %+v for input %q in %q", d, f1, in, stmt)
				}
			} else if f1 != (Finding{}) {
				t.Fatalf("%v: finding %+v without a match", d, f1)
			}
			if !strings.Contains(stmt, in) && ok1 {
				t.Fatalf("%v: input %q absent from %q reported", d, in, stmt)
			}
			// The same input quoted by the application.
			if strings.ContainsAny(in, "'\\") || strings.ContainsAny(in, "\x00") {
				continue
			}
			q := "SELECT a FROM t WHERE b = '" + in + "' AND c = 1"
			if f, ok := Check(d, q, []string{in}); ok {
				t.Fatalf("%v: quoted input %q reported in %q: %s", d, in, q, f.Reason)
			}
		}
		esc := "SELECT a FROM t WHERE b = '" + strings.ReplaceAll(in, "'", "''") + "' AND c = 1"
		if f, ok := Check(PostgreSQL, esc, []string{in}); ok {
			t.Fatalf("escaped input %q reported in %q: %s", in, esc, f.Reason)
		}
		bsl := strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(in)
		esc = "SELECT a FROM t WHERE b = '" + bsl + "' AND c = 1"
		if f, ok := Check(MySQL, esc, []string{in}); ok {
			t.Fatalf("escaped input %q reported in %q: %s", in, esc, f.Reason)
		}
	})
}
