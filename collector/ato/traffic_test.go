package ato_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/atotest"
	"github.com/rampartsec/rampart/event"
)

// TestGeneratedTraffic runs the generated traffic of atotest.Generate
// (benign users, an office NAT, brute force, single-source and distributed
// stuffing, a compromised account, a shared account) through a detector in
// memory: every campaign detected within 60 s of event time, distributed
// stuffing with at least 90% of its IPs named, no signal or decision on
// benign users and IPs.
func TestGeneratedTraffic(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			d := ato.New(ato.Config{}, nil)
			atotest.Check(t, atotest.Generate(seed), func(ev *event.Event) ([]ato.Signal, error) {
				return d.Observe(context.Background(), ev)
			})
		})
	}
}

// TestGeneratedBusyTraffic: a low-and-slow distributed campaign, a few
// percent of a busy service's traffic, is found by its logins that do not
// exist, and the service's own noise raises nothing.
func TestGeneratedBusyTraffic(t *testing.T) {
	if raceEnabled {
		t.Skip("80,000 events per seed: a detection test, not a concurrency one")
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			d := ato.New(ato.Config{}, nil)
			atotest.Check(t, atotest.GenerateBusy(seed), func(ev *event.Event) ([]ato.Signal, error) {
				return d.Observe(context.Background(), ev)
			})
		})
	}
}
