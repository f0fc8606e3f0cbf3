package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// rieLockFile serializes the AWS Lambda runtime interface emulators of a
// machine (their Runtime API has the fixed address 127.0.0.1:9001); the
// Lambda tests take the same lock (internal/lambdatest.LockFile).
const rieLockFile = "/tmp/rampart-aws-lambda-rie.lock"

// lambdaDemoCalls are sent to the example function as API Gateway HTTP API
// events. No call fetches a URL: the function resolves names for real.
var lambdaDemoCalls = []raspDemoCall{
	{"normal user lookup", "/users", "name", "alice"},
	{"SQL injection", "/users", "name", "x' OR '1'='1"},
	{"normal ping", "/ping", "host", "127.0.0.1"},
	{"shell injection", "/ping", "host", "127.0.0.1; cat /etc/passwd"},
	{"normal file", "/files", "name", "reports/q3.txt"},
	{"file inclusion", "/files", "name", "../private-key.pem"},
}

// lambdaDemo runs the example application as a Lambda function under the
// AWS Lambda runtime interface emulator, when aws-lambda-rie is installed,
// reporting to the demo's collector before each invocation returns.
func lambdaDemo(ctx context.Context, out io.Writer, col *demoCollector) error {
	fmt.Fprintf(out, "\n2b. The same application as an AWS Lambda function, under the runtime interface emulator\n\n")
	fn, err := startLambda(ctx, out, col)
	if err != nil || fn == nil {
		return err
	}
	defer fn.stop()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INVOCATION\tSTATUS\tVERDICT\tTIME")
	for _, c := range lambdaDemoCalls {
		start := time.Now()
		status, _, err := fn.invoke(c)
		if err != nil {
			return err
		}
		took := time.Since(start)
		verdict := "passed"
		if status == http.StatusForbidden {
			verdict = "BLOCKED"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\n", c.what, status, verdict, took.Round(time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintf(out, "\nThe function reported its exploits to the collector before each invocation returned (the first invocation includes the cold start).\n")
	if strings.Contains(fn.logs.String(), "panic") {
		return fmt.Errorf("demo: the function panicked:\n%s", fn.logs.String())
	}
	return nil
}

// lambdaFunc is the example function running under the emulator.
type lambdaFunc struct {
	addr   string // the emulator's invocation endpoint
	logs   demoLog
	client *http.Client
	// stop stops the emulator and the function, releases the emulators'
	// lock and removes the function's directory.
	stop func()
}

// startLambda builds examples/lambda and starts it under the emulator,
// reporting to col, once no other emulator of the machine runs. When the
// emulator is not installed, the function does not build, or the
// emulator's Runtime API port is taken, it says why on out and returns
// nil.
func startLambda(ctx context.Context, out io.Writer, col *demoCollector) (*lambdaFunc, error) {
	rie, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		fmt.Fprintf(out, "skipped: aws-lambda-rie is not installed\n  (go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d)\n")
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "rampart-demo-lambda-")
	if err != nil {
		return nil, err
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.CommandContext(ctx, "go", "build", "-o", bootstrap, "github.com/rampartsec/rampart/examples/lambda")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(out, "skipped: building examples/lambda: %v\n%s", err, b)
		return nil, nil
	}
	return startEmulator(out, rie, dir, bootstrap, "RAMPART_ENABLED=true", "RAMPART_MODE=block", "RAMPART_WAF_MODE=monitor",
		"RAMPART_SERVICE=vulnapp-lambda", "RAMPART_ENDPOINT="+col.url, "RAMPART_API_KEY="+col.key,
		"RAMPART_EXTENSION_ADDR=off", "RAMPART_TIMEOUT=50ms", "VULNAPP_LOOPBACK_ONLY=1", "TMPDIR="+dir, "AWS_LAMBDA_FUNCTION_NAME=vulnapp")
}

// startEmulator runs bootstrap, a function in dir, under the emulator rie
// with env added to the environment, once no other emulator of the machine
// runs, and waits until it answers. It takes dir over: stopping the
// function, or a failure to start it, removes it. When the emulator's
// Runtime API port is taken by another process, it says so on out and
// returns nil.
func startEmulator(out io.Writer, rie, dir, bootstrap string, env ...string) (fn *lambdaFunc, err error) {
	// What is set up is undone in reverse order, by stop or on failure.
	undo := []func(){func() { os.RemoveAll(dir) }}
	stop := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if fn == nil {
			stop()
		}
	}()
	lock, err := os.OpenFile(rieLockFile, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { lock.Close() })
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	undo = append(undo, func() { syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) })
	if c, err := net.DialTimeout("tcp", "127.0.0.1:9001", 200*time.Millisecond); err == nil {
		c.Close()
		fmt.Fprintf(out, "skipped: 127.0.0.1:9001 (the emulator's Runtime API) is taken by another process\n")
		return nil, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &lambdaFunc{addr: ln.Addr().String(), client: &http.Client{Timeout: 30 * time.Second}, stop: stop}
	ln.Close()
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", f.addr, bootstrap)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &f.logs, &f.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	undo = append(undo, func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.DialTimeout("tcp", f.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("demo: the emulator did not start:\n%s", f.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f, nil
}

// invoke sends c to the function as an API Gateway HTTP API event and
// returns the status code and the body of its answer.
func (f *lambdaFunc) invoke(c raspDemoCall) (int, string, error) {
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": c.route,
		"rawQueryString": c.param + "=" + url.QueryEscape(c.value),
		"headers":        map[string]string{"user-agent": "Mozilla/5.0 (demo client)", "accept": "application/json"},
		"requestContext": map[string]any{"http": map[string]string{"method": "GET", "path": c.route, "sourceIp": "198.51.100.23", "protocol": "HTTP/1.1"},
			"requestId": "demo", "stage": "$default", "timeEpoch": time.Now().UnixMilli()},
		"isBase64Encoded": false,
	}
	payload, _ := json.Marshal(ev)
	resp, err := f.client.Post("http://"+f.addr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		return 0, "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var r struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.StatusCode == 0 {
		return 0, "", fmt.Errorf("demo: the function answered %q:\n%s", truncate(string(b), 200), f.logs.String())
	}
	return r.StatusCode, r.Body, nil
}
