package rampart

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"testing"

	"github.com/rampartsec/rampart/internal/eventtest"
)

// TestLambdaWaitsForTheWarmUp: in a Lambda function (AWS_LAMBDA_FUNCTION_NAME
// set) New returns a warm engine, so that the warm-up is paid in the init
// phase; elsewhere the engine is returned while it warms up. The check
// runs in a child process, where the variable is read for the first time.
func TestLambdaWaitsForTheWarmUp(t *testing.T) {
	if os.Getenv("WARMUP_TEST_CHILD") != "" {
		a, err := New(Config{Enabled: true, Exporter: &eventtest.Recorder{}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close(context.Background())
		select {
		case <-a.engine.Warmed():
		default:
			t.Fatal("New returned before the warm-up in a Lambda function")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLambdaWaitsForTheWarmUp$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WARMUP_TEST_CHILD=1", "AWS_LAMBDA_FUNCTION_NAME=warmup-test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
