package cmdi

import (
	"strings"
	"testing"
)

var benchArgv = []string{"cmd.exe", "/c", "convert", "/srv/uploads/holiday-2024-photo-0001.png", "-resize", "200x200", "/srv/thumbs/out.png"}

func BenchmarkCheckNoOverlap(b *testing.B) {
	inputs := []string{"alice@example.com", "12345", "a photo"}
	b.ReportAllocs()
	for b.Loop() {
		Check(benchArgv, inputs)
	}
}

func BenchmarkCheckShellScript(b *testing.B) {
	argv := []string{"/bin/sh", "-c", "convert '/srv/uploads/holiday photo.png' -resize 200x200 /srv/thumbs/out.png && echo done"}
	inputs := []string{"holiday photo.png"}
	b.ReportAllocs()
	for b.Loop() {
		Check(argv, inputs)
	}
}

func TestNoOverlapAllocs(t *testing.T) {
	inputs := []string{"alice@example.com", "12345"}
	if n := testing.AllocsPerRun(100, func() { Check(benchArgv, inputs) }); n != 0 {
		t.Fatalf("%v allocs with no overlap", n)
	}
}

// BenchmarkCheckWorst: an input with spaces that occurs inside one long
// argument, among a thousand others (every boundary is searched).
func BenchmarkCheckWorst(b *testing.B) {
	long := strings.Repeat("x ", 1024)
	argv := []string{"convert", long}
	for i := 0; i < 1000; i++ {
		argv = append(argv, "x")
	}
	in := long[:2047]
	if _, bad := Check(argv, []string{in}); bad {
		b.Fatal("reported")
	}
	b.ReportAllocs()
	for b.Loop() {
		Check(argv, []string{in})
	}
}
