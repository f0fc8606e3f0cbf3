package redis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/redis"
	"github.com/rampartsec/rampart/event"
)

// TestUpdatesCountOnce: with ato.Config.Updates over Redis, a campaign's
// emissions add up to its attempts (event times of nanosecond precision,
// which Redis keeps to the microsecond).
func TestUpdatesCountOnce(t *testing.T) {
	d := ato.New(ato.Config{Updates: true}, redis.New(client(t), testPrefix(t)))
	no := false
	start := time.Now().UTC().Add(-2 * time.Minute)
	sum := 0
	const n = 40
	for i := range n {
		ev := &event.Event{Type: event.TypeLoginFailure, Time: start.Add(time.Duration(i)*100*time.Millisecond + 123),
			IP: "198.51.100.10", Usr: &event.User{Login: fmt.Sprintf("user%d@example.com", i), Exists: &no}}
		sigs, err := d.Observe(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sigs {
			if s.Type == ato.TypeCredentialStuffing {
				sum += s.New
			}
		}
	}
	if sum != n {
		t.Errorf("the emissions add up to %d attempts, want %d", sum, n)
	}
}
