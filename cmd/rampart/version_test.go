package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersionCmd(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v9.8.7"
	var out bytes.Buffer
	if err := versionCmd(nil, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "rampart v9.8.7 (library ") || !strings.Contains(got, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("rampart version printed %q", got)
	}
	if err := versionCmd([]string{"extra"}, &out); exitStatus(err) != 1 {
		t.Errorf("version extra: %v", err)
	}
}

// moduleRoot is the repository's root, two levels above cmd/rampart.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	return root
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// scripts/release.sh stamps the version it is given into every binary,
// builds the Lambda extension's layer, and lists their SHA-256 in
// SHA256SUMS. Here it builds for this platform only (the other platforms
// are the same command with other GOOS and GOARCH).
func TestReleaseScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries (-short)")
	}
	if _, err := exec.LookPath("zip"); err != nil {
		t.Skip("no zip command")
	}
	root, dist := moduleRoot(t), t.TempDir()
	const v = "v0.0.0-releasetest"
	lambda := ""
	if runtime.GOOS == "linux" {
		lambda = runtime.GOARCH
	}
	run(t, root, []string{"PLATFORMS=" + runtime.GOOS + "/" + runtime.GOARCH, "LAMBDA_ARCHES=" + lambda, "DIST=" + dist}, "bash", "scripts/release.sh", v)

	bin := filepath.Join(dist, "rampart_"+v+"_"+runtime.GOOS+"_"+runtime.GOARCH)
	want := []string{filepath.Base(bin)}
	if got := run(t, dist, nil, bin, "version"); !strings.HasPrefix(got, "rampart "+v+" (") || strings.Contains(got, "lambdaext") {
		t.Errorf("%s version: %q", filepath.Base(bin), got)
	}
	if lambda != "" {
		ext := filepath.Join(dist, "rampart-lambda-extension_"+v+"_linux_"+lambda)
		layer := filepath.Join(dist, "rampart-lambda-layer_"+v+"_linux_"+lambda+".zip")
		want = append(want, filepath.Base(ext), filepath.Base(layer))
		if got := run(t, dist, nil, ext, "version"); !strings.HasPrefix(got, "rampart "+v+" (") || !strings.Contains(got, "lambdaext build") {
			t.Errorf("%s version: %q", filepath.Base(ext), got)
		}
		zr, err := zip.OpenReader(layer)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]os.FileMode{}
		for _, f := range zr.File {
			files[f.Name] = f.Mode()
		}
		zr.Close()
		for _, name := range []string{"extensions/rampart", "rampart/rampart", "rampart/wrapper"} {
			if m, ok := files[name]; !ok || m&0o111 == 0 {
				t.Errorf("layer: %s missing or not executable (%v) in %v", name, m, files)
			}
		}
	}

	// SHA256SUMS lists every artifact with its digest, as sha256sum -c reads it.
	f, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
			t.Errorf("SHA256SUMS: %s has the wrong digest", name)
		}
		listed[name] = true
	}
	for _, name := range want {
		if !listed[name] {
			t.Errorf("SHA256SUMS does not list %s", name)
		}
	}
	if len(listed) != len(want) {
		t.Errorf("SHA256SUMS lists %v, want %v", listed, want)
	}
}

// go install ./cmd/rampart installs a binary named rampart, whose build
// info has the module path as go.mod declares it, and whose version is
// the build info's (no stamp).
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command (-short)")
	}
	root, gobin := moduleRoot(t), t.TempDir()
	run(t, root, []string{"GOBIN=" + gobin}, "go", "install", "./cmd/rampart")
	bin := filepath.Join(gobin, "rampart")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	info := run(t, root, nil, "go", "version", "-m", bin)
	if !strings.Contains(info, "\tpath\tgithub.com/rampartsec/rampart/cmd/rampart\n") {
		t.Errorf("go version -m: no path github.com/rampartsec/rampart/cmd/rampart:\n%s", info)
	}
	var modVersion string
	for _, l := range strings.Split(info, "\n") {
		if f := strings.Split(strings.TrimSpace(l), "\t"); len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/rampartsec/rampart" {
			modVersion = f[2]
		}
	}
	if modVersion == "" {
		t.Fatalf("go version -m: no mod line for github.com/rampartsec/rampart:\n%s", info)
	}
	if got := run(t, root, nil, bin, "version"); !strings.HasPrefix(got, "rampart "+modVersion+" (") {
		t.Errorf("rampart version: %q, want the build info's %s", got, modVersion)
	}
}

// go install github.com/rampartsec/rampart/cmd/rampart@vX reports vX: the
// module, zipped from this checkout, is served by a file proxy (the
// dependencies come from the module cache's download directory, offline)
// into a module cache of its own.
func TestGoInstallAtVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command from a module proxy (-short)")
	}
	root := moduleRoot(t)
	const mod, v = "github.com/rampartsec/rampart", "v0.9.0-installtest"
	proxy := t.TempDir()
	at := filepath.Join(proxy, mod, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(at, v+".mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(at, v+".info"), []byte(`{"Version":"`+v+`","Time":"2026-01-01T00:00:00Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(at, "list"), []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zipModule(t, root, mod+"@"+v, filepath.Join(at, v+".zip"))

	cache := strings.TrimSpace(run(t, root, nil, "go", "env", "GOMODCACHE"))
	modcache, gobin := t.TempDir(), t.TempDir()
	env := []string{"GOBIN=" + gobin, "GOMODCACHE=" + modcache, "GOFLAGS=-buildvcs=false -trimpath", "CGO_ENABLED=0", "GOSUMDB=off",
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(cache, "cache", "download"))}
	t.Cleanup(func() { // the module cache's files are read-only
		_ = exec.Command("chmod", "-R", "u+w", modcache).Run()
	})
	run(t, t.TempDir(), env, "go", "install", mod+"/cmd/rampart@"+v)
	if got := run(t, gobin, nil, filepath.Join(gobin, "rampart"), "version"); !strings.HasPrefix(got, "rampart "+v+" (") {
		t.Errorf("rampart version after go install @%s: %q", v, got)
	}
}

// zipModule writes the module zip of the checkout at root: the files git
// tracks or would track (committed or not), outside the nested modules
// (contrib/*, bench), each under prefix.
func zipModule(t *testing.T, root, prefix, dst string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to list the module's files")
	}
	list := run(t, root, nil, "git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
	nested := map[string]bool{}
	names := strings.Split(strings.TrimRight(list, "\x00"), "\x00")
	for _, n := range names {
		if d := filepath.Dir(n); filepath.Base(n) == "go.mod" && d != "." {
			nested[d] = true
		}
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
next:
	for _, n := range names {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			if nested[d] {
				continue next
			}
		}
		fi, err := os.Lstat(filepath.Join(root, n))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the checkout, or a symlink (not in module zips)
		}
		w, err := zw.Create(prefix + "/" + filepath.ToSlash(n))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(root, n))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
