//go:build !lambdaext

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/simulate"
	"github.com/rampartsec/rampart/collector/redis"
	"github.com/rampartsec/rampart/event"
)

// simulateCmd is `rampart simulate`: generated login traffic with
// account-takeover campaigns, in event time, through the collector's
// detectors (in memory, or several collectors sharing Redis), with each
// campaign's detection delay, the IPs named and the false signals.
func simulateCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(out)
	seeds := fs.String("seeds", "1,2,3", "comma-separated seeds of the generated traffic")
	state := fs.String("state", "", "redis://... to run the detectors on Redis instead of in memory")
	collectors := fs.Int("collectors", 1, "detectors sharing the state, the events dealt round-robin (as collectors behind a load balancer), all running at once")
	skew := fs.Duration("skew", simulate.DefaultSkew, "with several collectors, how far in event time one may run ahead of the others (their delivery delay)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *collectors < 1 || *collectors > 64 {
		return errors.New("simulate: --collectors wants 1 to 64")
	}
	if *collectors > 1 && *state == "" {
		return errors.New("simulate: several collectors need a shared --state redis://...")
	}
	ctx := context.Background()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSEED\tCAMPAIGN\tSIGNAL\tDETECTED AFTER\tIPS NAMED\tDECISIONS")
	var problems []string
	var events int
	var elapsed time.Duration
	for _, s := range strings.Split(*seeds, ",") {
		seed, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("simulate: seed %q: %v", s, err)
		}
		for _, sc := range []struct {
			name string
			gen  func(uint64) *simulate.Traffic
		}{{"campaigns", simulate.Generate}, {"busy service", simulate.GenerateBusy}} {
			observers, done, err := detectors(ctx, *state, *collectors, fmt.Sprintf("rampart-simulate:%d:%d:%s:", time.Now().UnixNano(), seed, sc.name))
			if err != nil {
				return err
			}
			var res *simulate.Result
			if len(observers) == 1 {
				res, err = simulate.Evaluate(sc.gen(seed), observers[0])
			} else {
				res, err = simulate.EvaluateConcurrent(sc.gen(seed), observers, *skew)
			}
			done()
			if err != nil {
				return err
			}
			events += res.Events
			elapsed += res.Elapsed
			for _, d := range res.Detections {
				after, sig := "not detected", "-"
				if d.Signal != nil {
					after, sig = fmt.Sprintf("%.1f s", d.DetectionDelay().Seconds()), d.Signal.Type
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d/%d\t%d\n", sc.name, seed, d.Campaign.Name, sig, after, len(d.Named), len(d.Campaign.IPs), d.Decisions)
			}
			for _, p := range res.Problems {
				problems = append(problems, fmt.Sprintf("%s, seed %d: %s", sc.name, seed, p))
			}
		}
	}
	tw.Flush()
	where := "in memory"
	if *state != "" {
		where = fmt.Sprintf("on Redis, %d collector(s)", *collectors)
	}
	fmt.Fprintf(out, "\n%d events through the detectors %s in %v (%.0f events/s)\n", events, where, elapsed.Round(time.Millisecond), float64(events)/elapsed.Seconds())
	if len(problems) == 0 {
		fmt.Fprintf(out, "every campaign detected within %v of event time, distributed stuffing naming ≥ %.0f%% of its IPs, no signal or decision on benign traffic\n",
			simulate.MaxDetectionDelay, 100*simulate.MinNamedShare)
		return nil
	}
	for _, p := range problems {
		fmt.Fprintln(out, "PROBLEM:", p)
	}
	return fmt.Errorf("simulate: %d problems", len(problems))
}

// detectors returns the observe functions of n detectors sharing one
// window (each run by its own goroutine, as collectors are), and a
// function releasing them.
func detectors(ctx context.Context, state string, n int, prefix string) ([]func(*event.Event) ([]ato.Signal, error), func(), error) {
	dets := make([]*ato.Detector, n)
	var closers []func()
	if state == "" {
		dets[0] = ato.New(ato.Config{}, ato.NewMemory(ato.MemoryConfig{}))
	} else {
		for i := range dets {
			w, err := redis.Open(ctx, state, prefix)
			if err != nil {
				for _, c := range closers {
					c()
				}
				return nil, nil, fmt.Errorf("simulate: %w", err)
			}
			closers = append(closers, func() { _ = w.Close() })
			dets[i] = ato.New(ato.Config{}, w)
		}
	}
	observers := make([]func(*event.Event) ([]ato.Signal, error), n)
	for i, d := range dets {
		observers[i] = func(ev *event.Event) ([]ato.Signal, error) { return d.Observe(ctx, ev) }
	}
	return observers, func() {
		for _, c := range closers {
			c()
		}
	}, nil
}
