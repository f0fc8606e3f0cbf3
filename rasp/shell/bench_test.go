package shell

import (
	"strings"
	"testing"
)

var benchCmd = "convert /srv/uploads/" + strings.Repeat("image-", 150) + ".png -resize 200x200 /srv/thumbs/out.png 2>/dev/null && echo done"

func BenchmarkCheckNoOverlap(b *testing.B) {
	inputs := []string{"holiday photo", "12345", "alice@example.com"}
	b.ReportAllocs()
	for b.Loop() {
		Check(benchCmd, inputs)
	}
}

func BenchmarkCheckOverlap(b *testing.B) {
	cmd := benchCmd + "; id"
	inputs := []string{"out.png 2>/dev/null && echo done; id"}
	b.ReportAllocs()
	for b.Loop() {
		Check(cmd, inputs)
	}
}

func BenchmarkCheckOverlapBenign(b *testing.B) {
	inputs := []string{"image-image-image"}
	b.ReportAllocs()
	for b.Loop() {
		Check(benchCmd, inputs)
	}
}

func TestNoOverlapAllocs(t *testing.T) {
	inputs := []string{"holiday photo", "12345"}
	if n := testing.AllocsPerRun(100, func() { Check(benchCmd, inputs) }); n != 0 {
		t.Fatalf("%v allocs with no overlap", n)
	}
}
