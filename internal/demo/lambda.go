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
	rie, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		fmt.Fprintf(out, "skipped: aws-lambda-rie is not installed\n  (go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d)\n")
		return nil
	}
	dir, err := os.MkdirTemp("", "rampart-demo-lambda-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.CommandContext(ctx, "go", "build", "-o", bootstrap, "github.com/rampartsec/rampart/examples/lambda")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(out, "skipped: building examples/lambda: %v\n%s", err, b)
		return nil
	}
	lock, err := os.OpenFile(rieLockFile, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if c, err := net.DialTimeout("tcp", "127.0.0.1:9001", 200*time.Millisecond); err == nil {
		c.Close()
		fmt.Fprintf(out, "skipped: 127.0.0.1:9001 (the emulator's Runtime API) is taken by another process\n")
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs demoLog
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, bootstrap)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RAMPART_ENABLED=true", "RAMPART_MODE=block", "RAMPART_WAF_MODE=monitor",
		"RAMPART_SERVICE=vulnapp-lambda", "RAMPART_ENDPOINT="+col.url, "RAMPART_API_KEY="+col.key,
		"RAMPART_EXTENSION_ADDR=off", "RAMPART_TIMEOUT=50ms", "VULNAPP_LOOPBACK_ONLY=1", "TMPDIR="+dir, "AWS_LAMBDA_FUNCTION_NAME=vulnapp")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: the emulator did not start:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INVOCATION\tSTATUS\tVERDICT\tTIME")
	client := &http.Client{Timeout: 30 * time.Second}
	for _, c := range lambdaDemoCalls {
		ev := map[string]any{
			"version": "2.0", "routeKey": "$default", "rawPath": c.route,
			"rawQueryString": c.param + "=" + url.QueryEscape(c.value),
			"headers":        map[string]string{"user-agent": "Mozilla/5.0 (demo client)", "accept": "application/json"},
			"requestContext": map[string]any{"http": map[string]string{"method": "GET", "path": c.route, "sourceIp": "198.51.100.23", "protocol": "HTTP/1.1"},
				"requestId": "demo", "stage": "$default", "timeEpoch": time.Now().UnixMilli()},
			"isBase64Encoded": false,
		}
		payload, _ := json.Marshal(ev)
		start := time.Now()
		resp, err := client.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(payload))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		var r struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(b, &r); err != nil || r.StatusCode == 0 {
			return fmt.Errorf("demo: the function answered %q:\n%s", truncate(string(b), 200), logs.String())
		}
		verdict := "passed"
		if r.StatusCode == http.StatusForbidden {
			verdict = "BLOCKED"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\n", c.what, r.StatusCode, verdict, took.Round(time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintf(out, "\nThe function reported its exploits to the collector before each invocation returned (the first invocation includes the cold start).\n")
	if strings.Contains(logs.String(), "panic") {
		return fmt.Errorf("demo: the function panicked:\n%s", logs.String())
	}
	return nil
}
