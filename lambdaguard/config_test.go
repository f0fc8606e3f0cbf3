package lambdaguard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart"
)

// The function's process-wide agent (Wrap) runs in a child process: a
// configuration error exits it during init, before any invocation; a good
// configuration prints one startup line saying where the events go.
func TestWrapStartup(t *testing.T) {
	if os.Getenv("CONFIG_TEST_CHILD") == "1" {
		h := Wrap(func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
		}).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
		for _, q := range []string{"alice", "%3Cscript%3Ealert(1)%3C/script%3E"} {
			out, _ := h(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/", RawQueryString: "name=" + q,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", SourceIP: "203.0.113.7"}}})
			fmt.Printf("served %d\n", out.StatusCode)
		}
		os.Exit(0)
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, env string
		exit      int
		stdout    string
		stderr    []string
	}{
		{"mode enforce", "RAMPART_ENABLED=true RAMPART_MODE=enforce", rampart.ExitConfigError, "",
			[]string{`RAMPART_MODE=\"enforce\"`, "refusing to run unprotected"}},
		{"enabled garbage", "RAMPART_ENABLED=maybe", rampart.ExitConfigError, "", []string{`RAMPART_ENABLED=\"maybe\"`}},
		{"waf mode garbage", "RAMPART_ENABLED=1 RAMPART_WAF_MODE=x", rampart.ExitConfigError, "", []string{`RAMPART_WAF_MODE=\"x\"`}},
		{"stderr", "RAMPART_ENABLED=yes RAMPART_MODE=block RAMPART_EXTENSION_ADDR=off", 0, "served 200\nserved 403\n",
			[]string{`rampart: on mode=block waf_mode=block ruleset="embedded default"`, `events="stderr (JSON lines, to CloudWatch Logs)"`}},
		{"extension", "RAMPART_ENABLED=yes RAMPART_MODE=block RAMPART_EXTENSION_ADDR=127.0.0.1:9", 0, "served 200\nserved 403\n",
			[]string{`events="rampart extension at 127.0.0.1:9"`}},
		{"fallback ruleset", "RAMPART_ENABLED=yes RAMPART_MODE=block RAMPART_EXTENSION_ADDR=off RAMPART_RULES=/opt/missing.json", 0, "served 200\nserved 403\n",
			[]string{"ERROR rampart: the configured ruleset cannot be used", "/opt/missing.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run=^TestWrapStartup$")
			env := []string{"CONFIG_TEST_CHILD=1", "AWS_LAMBDA_FUNCTION_NAME=orders"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "RAMPART_") && !strings.HasPrefix(kv, "AWS_LAMBDA_") {
					env = append(env, kv)
				}
			}
			cmd.Env = append(env, strings.Fields(c.env)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			log := stderr.String()
			if code != c.exit || stdout.String() != c.stdout {
				t.Fatalf("exit %d, stdout %q; want %d, %q\nstderr:\n%s", code, stdout.String(), c.exit, c.stdout, log)
			}
			for _, s := range c.stderr {
				if !strings.Contains(log, s) {
					t.Errorf("stderr lacks %q:\n%s", s, log)
				}
			}
			if n := strings.Count(log, "rampart: on "); n > 1 {
				t.Errorf("%d startup lines:\n%s", n, log)
			}
		})
	}
}
