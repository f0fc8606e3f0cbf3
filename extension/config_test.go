package extension

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
)

// The extension's own variables take rampart's switch spellings, and a
// value it does not accept is an error naming the variable, never a
// silently different behaviour (RAMPART_PROXY=yes was an address).
func TestConfigFromEnvValues(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	for _, c := range []struct{ proxy, interval, want, errVar string }{
		{"", "", "", ""},
		{"yes", "", DefaultProxyAddr, ""},
		{"ON", "2s", DefaultProxyAddr, ""},
		{"no", "", "", ""},
		{"127.0.0.1:9009", "", "127.0.0.1:9009", ""},
		{"enable", "", "", "RAMPART_PROXY"},
		{"", "10", "", "RAMPART_DECISION_INTERVAL"},
		{"", "-1s", "", "RAMPART_DECISION_INTERVAL"},
	} {
		t.Setenv("RAMPART_PROXY", c.proxy)
		t.Setenv("RAMPART_DECISION_INTERVAL", c.interval)
		cfg, err := ConfigFromEnv()
		var ce *rampart.ConfigError
		switch {
		case c.errVar != "":
			if !errors.As(err, &ce) || ce.Var != c.errVar || !strings.Contains(err.Error(), c.errVar) {
				t.Errorf("proxy %q, interval %q: error %v, want one naming %s", c.proxy, c.interval, err, c.errVar)
			}
		case err != nil || cfg.Proxy != c.want:
			t.Errorf("proxy %q: %q, %v; want %q", c.proxy, cfg.Proxy, err, c.want)
		case c.interval == "2s" && cfg.DecisionInterval != 2*time.Second:
			t.Errorf("interval %v", cfg.DecisionInterval)
		}
	}
}
