package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// The shared folder is found beside the repository from any package
// folder, or as the parent of RAMPART_CORPUS; the data files are in it.
func TestFindShared(t *testing.T) {
	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	for _, dir := range []string{filepath.Join(shared, "corpus"), filepath.Join(shared, "data"), filepath.Join(root, "repo", "waf", "operator")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(shared, "corpus", "FORMAT.md"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "data", DatadogRuleset), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAMPART_CORPUS", "")
	t.Chdir(filepath.Join(root, "repo", "waf", "operator"))
	if s, err := FindShared(); err != nil || s != shared {
		t.Errorf("FindShared() = %q, %v, want %q", s, err, shared)
	}
	if d, err := Find(); err != nil || d != filepath.Join(shared, "corpus") {
		t.Errorf("Find() = %q, %v", d, err)
	}
	if b := Data(t, DatadogRuleset); string(b) != "{}" {
		t.Errorf("Data = %q", b)
	}
	t.Setenv("RAMPART_CORPUS", "/elsewhere/corpus/")
	if s, err := FindShared(); err != nil || s != "/elsewhere" {
		t.Errorf("with RAMPART_CORPUS: FindShared() = %q, %v, want /elsewhere", s, err)
	}
	t.Setenv("RAMPART_CORPUS", "")
	t.Chdir(root)
	if s, err := FindShared(); err != ErrMissing {
		t.Errorf("outside a checkout: FindShared() = %q, %v, want ErrMissing", s, err)
	}
}
