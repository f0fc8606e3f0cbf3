// Package lambdatest runs Lambda functions under the AWS Lambda Runtime
// Interface Emulator (aws-lambda-rie) for end-to-end tests: the real
// Runtime API and Extensions API, with functions built from Go source and
// invoked through the emulator's HTTP invoke endpoint with real event
// payloads.
//
// The emulator's Runtime API listens on the fixed address 127.0.0.1:9001,
// so only one can run on a machine at a time: Start takes a file lock that
// serializes every test, of any package, that runs one, and fails a test
// whose port is held by a process outside the lock, naming it (pid and
// command line). A missing aws-lambda-rie skips the test, or fails it
// when RAMPART_REQUIRE=1 (CI).
//
// The emulator starts the external extensions it finds in /opt/extensions.
// InstallExtension puts one there for the duration of a test (it needs
// write access to /opt, as root on CI has), so that an extension runs
// beside the function as it does in Lambda.
package lambdatest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/prereq"
)

// Binary is the emulator's command name.
const Binary = "aws-lambda-rie"

// LockFile serializes the emulators of all test processes on the machine.
const LockFile = "/tmp/rampart-aws-lambda-rie.lock"

// ExtensionsDir is where the emulator looks for external extensions.
const ExtensionsDir = "/opt/extensions"

// Find returns the emulator's path: on PATH, or in $(go env GOPATH)/bin
// where `go install` puts it.
func Find(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath(Binary); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", Binary)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	prereq.Missing(t, "%s not found: go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d", Binary)
	return ""
}

// Build builds the Go package pkg (an import path or a directory) for the
// emulator, as a Lambda bootstrap in dir, and returns its path. Extra
// arguments go to go build before the package (-tags, -ldflags...).
func Build(t testing.TB, dir, pkg string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, "bootstrap")
	args := append([]string{"build", "-o", out}, extra...)
	args = append(args, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Emulator is a running aws-lambda-rie with one function.
type Emulator struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string
	out  *Buffer
	done chan struct{}
}

// lock holds the machine-wide emulator lock for a test.
func lock(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(LockFile, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("emulator lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("emulator lock: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// Lock takes the machine-wide emulator lock until the test ends, for a
// test that prepares something under it (InstallExtension) and then calls
// StartLocked. Start takes the lock itself: never call both Lock and Start
// in one test, the second lock would wait for the first.
func Lock(t testing.TB) { lock(t) }

// Start takes the lock and runs the emulator with bootstrap as the
// function, env added to the environment (the function's and the
// extensions' variables), and waits until its invoke endpoint answers. It
// is stopped when the test ends, which releases the lock: tests that run
// several emulators run each in its own subtest. Tests set RAMPART_TIMEOUT
// generously, so that the verdicts do not depend on the machine's load.
func Start(t testing.TB, bootstrap string, env ...string) *Emulator {
	t.Helper()
	rie := Find(t)
	lock(t)
	return start(t, rie, bootstrap, env)
}

// StartLocked is Start for a test that already holds the lock (Lock).
func StartLocked(t testing.TB, bootstrap string, env ...string) *Emulator {
	t.Helper()
	return start(t, Find(t), bootstrap, env)
}

func start(t testing.TB, rie, bootstrap string, env []string) *Emulator {
	t.Helper()
	if err := waitFree(runtimeAPIAddr, 10*time.Second); err != nil {
		t.Fatalf("emulator: %v", err)
	}
	addr := freeAddr(t)
	e := &Emulator{t: t, addr: addr, out: &Buffer{}, done: make(chan struct{})}
	e.cmd = exec.Command(rie, "--runtime-interface-emulator-address", addr, bootstrap)
	e.cmd.Dir = filepath.Dir(bootstrap)
	e.cmd.Env = append(os.Environ(), env...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", rie, err)
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("emulator output:\n%s", e.Output())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return e
		}
		select {
		case <-e.done:
			t.Fatalf("emulator exited:\n%s", e.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator did not listen on %s:\n%s", addr, e.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Invoke sends payload to the function through the emulator's invoke
// endpoint and returns the function's response.
func (e *Emulator) Invoke(payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+e.addr+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("invoke: %s: %s", resp.Status, b)
	}
	return b, nil
}

// Output returns what the emulator, the function and the extensions wrote.
// The emulator copies its processes' output asynchronously: a line written
// during an invocation may arrive after Invoke returns (see WaitOutput).
func (e *Emulator) Output() string { return e.out.String() }

// WaitOutput waits up to d for the output to satisfy ok and returns it
// (as it is when d runs out).
func (e *Emulator) WaitOutput(d time.Duration, ok func(out string) bool) string {
	deadline := time.Now().Add(d)
	for {
		out := e.Output()
		if ok(out) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop stops the emulator with SIGTERM, which sends SHUTDOWN to the
// extensions, and waits for it (killing it after 5 s).
func (e *Emulator) Stop() {
	select {
	case <-e.done:
		return
	default:
	}
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		<-e.done
	}
}

// InstallExtension installs an external extension named name for the
// emulator to start: an executable script in ExtensionsDir that runs
// command. It is removed when the test ends, and ExtensionsDir too when it
// did not exist before. The caller must hold the lock (Lock). Without write
// access to /opt the test is skipped (failed when tools are required).
func InstallExtension(t testing.TB, name, command string) {
	t.Helper()
	created := false
	if _, err := os.Stat(ExtensionsDir); os.IsNotExist(err) {
		if err := os.MkdirAll(ExtensionsDir, 0o755); err != nil {
			prereq.Missing(t, "cannot create %s for the emulator's extensions: %v", ExtensionsDir, err)
		}
		created = true
	}
	path := filepath.Join(ExtensionsDir, name)
	if b, err := os.ReadFile(path); err == nil && !strings.Contains(string(b), installedMark) {
		t.Fatalf("%s exists already and is not a test's: not overwriting it", path)
	}
	// A test killed before its cleanup leaves its script: marked, it is
	// replaced.
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+installedMark+"\nexec "+command+"\n"), 0o755); err != nil {
		prereq.Missing(t, "cannot install %s: %v", path, err)
	}
	t.Cleanup(func() {
		os.Remove(path)
		if created {
			os.Remove(ExtensionsDir)
		}
	})
}

// installedMark marks the extension scripts InstallExtension writes.
const installedMark = "# installed by rampart's internal/lambdatest for a test"

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFree waits up to d until nothing listens on addr (a previous
// emulator that is still exiting), and names the process that still does
// after that.
func waitFree(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			who := Holder(addr)
			if who == "" {
				who = "no listener found in /proc/net/tcp (another network namespace?)"
			}
			return fmt.Errorf("%s is still in use after %v, by a process outside the emulator lock %s: %s", addr, d, LockFile, who)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Buffer is a bytes.Buffer safe for concurrent writers: the emulator's two
// output streams, or a logger and the test that reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
