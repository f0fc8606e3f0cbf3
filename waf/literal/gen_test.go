package literal_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rampartsec/rampart/waf/literal"
)

// TestGeneratorWritesTable runs the program that go generate runs and
// checks that it writes matcher_table.bin as it is checked in:
// TestKnownMatchers checks EncodeKnown, this the generator's own loading
// of the ruleset.
func TestGeneratorWritesTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	out := filepath.Join(t.TempDir(), "matcher_table.bin")
	if b, err := exec.Command("go", "run", "./internal/gen", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != literal.KnownTable() {
		t.Fatal("the generator writes another table than matcher_table.bin: run go generate ./waf/literal")
	}
}
