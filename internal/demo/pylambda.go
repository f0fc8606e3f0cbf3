package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// pythonService is the Python function's service name at the collector.
const pythonService = "vulnapp-python-lambda"

// pythonLambdaCalls are sent to the Python example function
// (examples/python-lambda) as API Gateway HTTP API events: the Go
// function's, and SSRF attempts, which the function's loopback-only
// resolver (VULNAPP_LOOPBACK_ONLY=1) keeps on the machine whatever
// happens.
var pythonLambdaCalls = append(append([]raspDemoCall{}, lambdaDemoCalls...),
	raspDemoCall{"SSRF to cloud metadata", "/fetch", "url", "http://169.254.169.254/latest/meta-data/iam/"},
	raspDemoCall{"SSRF by DNS rebinding", "/fetch", "url", "http://rebind.attacker.test:9/latest/meta-data/"},
)

// pythonLambdaDemo runs examples/python-lambda, the example application in
// Python, under the runtime interface emulator with awslambdaric and the
// handler set to rampart.handler.handler, when Python, awslambdaric and the
// emulator are installed; otherwise it says which is missing.
func pythonLambdaDemo(ctx context.Context, out io.Writer, col *demoCollector) error {
	fmt.Fprintf(out, "\n2c. The same application as a Python Lambda function (awslambdaric, rampart for Python), under the emulator\n\n")
	fn, err := startPythonLambda(ctx, out, col)
	if err != nil || fn == nil {
		return err
	}
	defer fn.stop()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INVOCATION\tSTATUS\tVERDICT\tRULE\tTIME")
	rules := map[string]bool{} // the rules of the blocked invocations
	for _, c := range pythonLambdaCalls {
		start := time.Now()
		status, body, err := fn.invoke(c)
		if err != nil {
			return err
		}
		took := time.Since(start)
		verdict, rule := "passed", ""
		if status == http.StatusForbidden {
			verdict = "BLOCKED"
			var b struct {
				Rule string `json:"rule"`
			}
			if json.Unmarshal([]byte(body), &b) == nil {
				rule = b.Rule
				rules[rule] = true
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%v\n", c.what, status, verdict, rule, took.Round(time.Millisecond))
	}
	tw.Flush()
	// The exploits as the collector stored them: the rule and app.py's line.
	var sigs []collector.Signal
	for deadline := time.Now().Add(10 * time.Second); ; {
		var page collector.SignalPage
		if err := col.get("/v1/signals?type=exploit&limit=50&service="+url.QueryEscape(pythonService), &page); err != nil {
			return err
		}
		sigs = page.Signals
		got := map[string]bool{}
		for _, s := range sigs {
			if rules[s.RuleID] {
				got[s.RuleID] = true
			}
		}
		if len(got) == len(rules) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	sort.Slice(sigs, func(i, j int) bool { return sigs[i].Location < sigs[j].Location })
	fmt.Fprintf(out, "\nThe collector's exploit signals from the Python function (rule, then the line of app.py that called the sink):\n")
	for _, s := range sigs {
		fmt.Fprintf(out, "  %-14s %s\n", s.RuleID, filepath.Base(s.Location))
	}
	if strings.Contains(fn.logs.String(), "Traceback") {
		return fmt.Errorf("demo: the Python function failed:\n%s", fn.logs.String())
	}
	return nil
}

// startPythonLambda builds rampart's shared library and starts
// examples/python-lambda under the emulator, reporting to col. When
// something it needs is missing, it says what on out and returns nil.
func startPythonLambda(ctx context.Context, out io.Writer, col *demoCollector) (*lambdaFunc, error) {
	rie, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		fmt.Fprintf(out, "skipped: aws-lambda-rie is not installed\n")
		return nil, nil
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		fmt.Fprintf(out, "skipped: python3 is not installed\n")
		return nil, nil
	}
	if b, err := exec.CommandContext(ctx, python, "-c", "import awslambdaric").CombinedOutput(); err != nil {
		fmt.Fprintf(out, "skipped: %s cannot import awslambdaric (pip install awslambdaric): %s\n", python, lastLine(b, err))
		return nil, nil
	}
	b, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", "github.com/rampartsec/rampart").Output()
	root := strings.TrimSpace(string(b))
	app := filepath.Join(root, "examples", "python-lambda", "app.py")
	if _, serr := os.Stat(app); err != nil || serr != nil {
		fmt.Fprintf(out, "skipped: examples/python-lambda not found (run the demo from rampart's source tree)\n")
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "rampart-demo-python-")
	if err != nil {
		return nil, err
	}
	lib := filepath.Join(dir, "librampart.so")
	build := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-o", lib, "github.com/rampartsec/rampart/bindings/librampart")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if b, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(out, "skipped: building the shared library (cgo, a C compiler): %s\n", lastLine(b, err))
		return nil, nil
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	script := "#!/bin/sh\nexec " + python + " -m awslambdaric rampart.handler.handler\n"
	if err := os.WriteFile(bootstrap, []byte(script), 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return startEmulator(out, rie, dir, bootstrap, "RAMPART_ENABLED=true", "RAMPART_MODE=block", "RAMPART_WAF_MODE=monitor",
		"RAMPART_SERVICE="+pythonService, "RAMPART_ENDPOINT="+col.url, "RAMPART_API_KEY="+col.key,
		"RAMPART_EXTENSION_ADDR=off", "RAMPART_TIMEOUT=50ms", "RAMPART_LIBRARY="+lib, "RAMPART_LAMBDA_HANDLER=app.handler",
		"PYTHONPATH="+filepath.Dir(app)+string(os.PathListSeparator)+filepath.Join(root, "python"), "PYTHONDONTWRITEBYTECODE=1",
		"VULNAPP_LOOPBACK_ONLY=1", "VULNAPP_DIR="+filepath.Join(dir, "vulnapp"), "TMPDIR="+dir, "AWS_LAMBDA_FUNCTION_NAME=vulnapp-python")
}

// lastLine is the last line a failed command wrote, else its error.
func lastLine(b []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}
