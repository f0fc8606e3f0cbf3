package regex

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratorWritesTable runs the program that go generate runs and
// checks that it writes known_table.bin as it is checked in: TestKnownTable
// checks EncodeKnown, this the generator's own reading of the ruleset.
func TestGeneratorWritesTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	out := filepath.Join(t.TempDir(), "known_table.bin")
	if b, err := exec.Command("go", "run", "./internal/gen", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != knownBlob {
		t.Fatal("the generator writes another table than known_table.bin: run go generate ./waf/regex")
	}
}
