package lambdaguard

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
)

func benchHandler(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
}

type discard struct{}

func (discard) Export(*event.Event) {}

func warmHandler(tb testing.TB) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	tb.Helper()
	tb.Setenv("RAMPART_EXTENSION_ADDR", "off")
	a, err := NewAgent(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: discard{}})
	if err != nil {
		tb.Fatal(err)
	}
	return New(a, benchHandler).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
}

// BenchmarkWarmInvocation is the wrapper's cost on a warm invocation of a
// benign HTTP API v2 event: the request model, the WAF over headers and
// query, the security context, the response status; the handler itself
// does nothing. BenchmarkWarmInvocation/off is the same handler unwrapped
// (RAMPART_ENABLED unset: Wrap returns it).
func BenchmarkWarmInvocation(b *testing.B) {
	in := readEvent[events.APIGatewayV2HTTPRequest](b, "apigw-v2.json")
	ctx := context.Background()
	b.Run("on", func(b *testing.B) {
		h := warmHandler(b)
		b.ReportAllocs()
		lat := make([]time.Duration, 0, 1<<16)
		for b.Loop() {
			t := time.Now()
			if out, _ := h(ctx, in); out.StatusCode != 200 {
				b.Fatal(out.StatusCode)
			}
			if len(lat) < cap(lat) {
				lat = append(lat, time.Since(t))
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	})
	b.Run("off", func(b *testing.B) {
		h := New(nil, benchHandler).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = h(ctx, in)
		}
	})
}

// TestWarmInvocationBudget holds the wrapper to the allocation
// budget on a benign HTTP API v2 event (≤ 40 allocations).
func TestWarmInvocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random: allocation counts vary")
	}
	h := warmHandler(t)
	in := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	ctx := context.Background()
	// A collection during the count empties the engine's context pool and
	// adds its refill to the count; the budget is about the warm path.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	n := testing.AllocsPerRun(200, func() { _, _ = h(ctx, in) })
	t.Logf("%.0f allocations per warm invocation", n)
	if n > 40 {
		t.Errorf("%.0f allocations per warm invocation, budget 40", n)
	}
}

// BenchmarkColdStart is the engine's construction in a new execution
// environment: NewAgent with the default ruleset (what Wrap does once,
// during the function's init).
func BenchmarkColdStart(b *testing.B) {
	b.Setenv("RAMPART_EXTENSION_ADDR", "off")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewAgent(rampart.Config{Enabled: true, Exporter: discard{}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBinarySize reports what lambdaguard adds to a hello function's
// binary (the Lambda deployment package): the same function built with
// lambda.Start(h) and with lambda.Start(lambdaguard.Wrap(h)). Run with
// -run TestBinarySize -v; skipped with -short.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds two binaries")
	}
	dir := t.TempDir()
	size := func(pkg string) int64 {
		out := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-tags=lambda.norpc", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	plain, wrapped := size("./testdata/hello/plain"), size("./testdata/hello/wrapped")
	t.Logf("hello function (-ldflags=-s -w, lambda.norpc, linux/amd64): %.1f MiB; with lambdaguard.Wrap: %.1f MiB (+%.1f MiB)",
		float64(plain)/(1<<20), float64(wrapped)/(1<<20), float64(wrapped-plain)/(1<<20))
	if wrapped <= plain {
		t.Errorf("wrapped binary (%d bytes) not larger than the plain one (%d): was lambdaguard linked?", wrapped, plain)
	}
}
