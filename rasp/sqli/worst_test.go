package sqli

import (
	"strings"
	"testing"
)

// worstStatement is a 4 KB statement holding a literal of one repeated
// byte, the attacker's own input quoted by the application; worstInputs
// are 1,000 request strings that each occur at nearly every offset of it
// (the most occurrences a request can make a statement hold).
func worstCase() (string, []string) {
	body := strings.Repeat("a", 4000)
	stmt := "SELECT * FROM t WHERE a = '" + body + "' AND b = 1"
	inputs := make([]string, 1000)
	for k := range inputs {
		inputs[k] = body[:k+1]
	}
	return stmt, inputs
}

// BenchmarkCheckWorstOccurrences measures the worst an attacker can force
// on one check: every input occurs at every offset of the literal.
func BenchmarkCheckWorstOccurrences(b *testing.B) {
	stmt, inputs := worstCase()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Check(MySQL, stmt, inputs); ok {
			b.Fatal("finding")
		}
	}
}

// BenchmarkCheckWorstShort measures 256 one-byte inputs, each occurring
// wherever its byte does in a 4 KB statement of many tokens.
func BenchmarkCheckWorstShort(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("SELECT * FROM t WHERE ")
	for sb.Len() < 4000 {
		sb.WriteString("a_1 = 'x''y' AND b.c IN (1,2) AND d LIKE '%e%' AND ")
	}
	sb.WriteString("1 = 1")
	stmt := sb.String()
	inputs := make([]string, 0, 256)
	for c := 1; c < 256; c++ {
		inputs = append(inputs, string(rune(c))[:1])
	}
	b.ReportAllocs()
	for b.Loop() {
		if f, ok := Check(PostgreSQL, stmt, inputs); ok {
			b.Fatalf("finding %+v", f)
		}
	}
}
