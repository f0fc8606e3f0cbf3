package rampart

import (
	"errors"
	"fmt"
	"github.com/rampartsec/rampart/internal/spell"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// ExitConfigError is the exit status of a process that FromEnv stops for
// a configuration error: EX_CONFIG of sysexits(3).
const ExitConfigError = 78

// LowTimeout is the time budget below which New warns that most requests
// will run out of it before the rules have run.
const LowTimeout = 100 * time.Microsecond

// ConfigError is an environment variable whose value rampart does not
// accept.
type ConfigError struct {
	Var   string // such as "RAMPART_MODE"
	Value string // the value as set
	Want  string // what is accepted
}

// Error names the variable, its value and what is accepted.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s=%q: want %s", e.Var, e.Value, e.Want)
}

// The spellings of a switch (RAMPART_ENABLED, RAMPART_RULES_STRICT), case
// and surrounding blanks ignored.
var (
	switchOn  = []string{"true", "1", "yes", "on"}
	switchOff = []string{"false", "0", "no", "off"}
)

const switchWant = "true, 1, yes or on; false, 0, no or off"

// parseSwitch parses a switch's value.
func parseSwitch(name, v string) (bool, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	for _, w := range switchOn {
		if s == w {
			return true, nil
		}
	}
	for _, w := range switchOff {
		if s == w {
			return false, nil
		}
	}
	return false, &ConfigError{Var: name, Value: v, Want: switchWant}
}

// parseMode parses a mode's value; empty is "".
func parseMode(name, v string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(v))); m {
	case "", ModeMonitor, ModeBlock:
		return m, nil
	}
	return "", &ConfigError{Var: name, Value: v, Want: "monitor or block"}
}

// knownVars are the RAMPART_ variables of rampart's library, its Lambda
// extension, its collector and its test suites: a variable close to one of
// these (a typo) is reported at startup.
var knownVars = map[string]bool{
	"RAMPART_ENABLED": true, "RAMPART_MODE": true, "RAMPART_WAF_MODE": true,
	"RAMPART_RULES": true, "RAMPART_RULES_STRICT": true, "RAMPART_SERVICE": true,
	"RAMPART_ENV": true, "RAMPART_TIMEOUT": true, "RAMPART_TRUSTED_PROXIES": true,
	"RAMPART_ENDPOINT": true, "RAMPART_API_KEY": true, "RAMPART_POLL_INTERVAL": true,
	"RAMPART_EXTENSION_ADDR": true, "RAMPART_PROXY": true, "RAMPART_DECISION_INTERVAL": true,
	"RAMPART_ADMIN_TOKEN": true, "RAMPART_INGEST_KEYS": true,
	"RAMPART_REQUIRE": true, "RAMPART_CORPUS": true,
}

// agentVars are the variables that configure the in-process agent: set
// while RAMPART_ENABLED is not, they show an intent that is not in force.
var agentVars = []string{"RAMPART_MODE", "RAMPART_WAF_MODE", "RAMPART_RULES", "RAMPART_TIMEOUT", "RAMPART_TRUSTED_PROXIES"}

// ConfigFromEnv reads the configuration from the environment:
// RAMPART_ENABLED and RAMPART_RULES_STRICT (switches: true, 1, yes or on;
// false, 0, no or off), RAMPART_MODE and RAMPART_WAF_MODE (monitor or
// block), RAMPART_RULES (a ruleset file, or "default"), RAMPART_SERVICE,
// RAMPART_ENV, RAMPART_TIMEOUT (a Go duration with its unit, such as 2ms;
// 0 means the default), RAMPART_TRUSTED_PROXIES (comma-separated CIDRs or
// addresses, or "all"), RAMPART_ENDPOINT (an http or https URL),
// RAMPART_API_KEY and RAMPART_POLL_INTERVAL (a positive Go duration).
//
// Every value it does not accept is an error (a *ConfigError, all of them
// joined), never a silent default. A variable whose name is close to one of
// these (RAMPART_MOED) is reported by New as a warning.
func ConfigFromEnv() (Config, error) {
	var c Config
	var errs []error
	if v := os.Getenv("RAMPART_ENABLED"); v != "" {
		b, err := parseSwitch("RAMPART_ENABLED", v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Enabled = b
	}
	var err error
	if c.Mode, err = parseMode("RAMPART_MODE", os.Getenv("RAMPART_MODE")); err != nil {
		errs = append(errs, err)
	}
	if c.Mode == "" {
		c.Mode = ModeMonitor
	}
	if c.WAFMode, err = parseMode("RAMPART_WAF_MODE", os.Getenv("RAMPART_WAF_MODE")); err != nil {
		errs = append(errs, err)
	}
	c.RulesFile = strings.TrimSpace(os.Getenv("RAMPART_RULES"))
	if c.RulesFile == "default" {
		c.RulesFile = ""
	}
	if v := os.Getenv("RAMPART_RULES_STRICT"); v != "" {
		b, err := parseSwitch("RAMPART_RULES_STRICT", v)
		if err != nil {
			errs = append(errs, err)
		}
		c.StrictRules = b
	}
	c.Service = os.Getenv("RAMPART_SERVICE")
	c.Env = os.Getenv("RAMPART_ENV")
	if v := os.Getenv("RAMPART_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			errs = append(errs, &ConfigError{Var: "RAMPART_TIMEOUT", Value: v, Want: "a Go duration with its unit, such as 2ms or 500us (0 for the default)"})
		}
		c.Timeout = max(d, 0)
	}
	c.Endpoint = strings.TrimSpace(os.Getenv("RAMPART_ENDPOINT"))
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, &ConfigError{Var: "RAMPART_ENDPOINT", Value: c.Endpoint, Want: "the collector's http:// or https:// URL, such as http://127.0.0.1:8080"})
		}
	}
	c.APIKey = strings.TrimSpace(os.Getenv("RAMPART_API_KEY"))
	if v := os.Getenv("RAMPART_POLL_INTERVAL"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			errs = append(errs, &ConfigError{Var: "RAMPART_POLL_INTERVAL", Value: v, Want: "a positive Go duration, such as 10s"})
		}
		c.PollInterval = max(d, 0)
	}
	if v := os.Getenv("RAMPART_TRUSTED_PROXIES"); v != "" {
		if strings.TrimSpace(v) == "all" {
			c.TrustAllProxies = true
		} else {
			ps, bad := ParsePrefixes(v)
			if bad != "" {
				errs = append(errs, &ConfigError{Var: "RAMPART_TRUSTED_PROXIES", Value: bad, Want: `CIDRs or addresses separated by commas (10.0.0.0/8,192.0.2.7), or "all"`})
			}
			c.TrustedProxies = append(c.TrustedProxies, ps...)
		}
	}
	c.warnings = misspelledVars(os.Environ())
	return c, errors.Join(errs...)
}

// ParsePrefixes reads a comma-separated list of CIDRs and addresses (an
// address is its one-address prefix), masked, blanks ignored. bad is the
// first item that is neither, "" when all are good; the good ones are
// returned either way.
func ParsePrefixes(list string) (ps []netip.Prefix, bad string) {
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				if bad == "" {
					bad = s
				}
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ps = append(ps, p.Masked())
	}
	return ps, bad
}

// misspelledVars returns a warning for each RAMPART_ variable of environ
// that is not one rampart reads but is within two edits of one (or differs
// from one in case only).
func misspelledVars(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if knownVars[name] || !strings.HasPrefix(strings.ToUpper(name), "RAMPART_") {
			continue
		}
		best, dist := "", 3
		for k := range knownVars {
			if d := spell.Distance(strings.ToUpper(name), k, 3); d < dist || (d == dist && k < best) {
				best, dist = k, d
			}
		}
		if best != "" {
			out = append(out, fmt.Sprintf("%s is not a rampart variable (ignored): did you mean %s?", name, best))
		}
	}
	sort.Strings(out)
	return out
}

// check validates the parts of a Config that have a fixed set of values.
func (c *Config) check() error {
	var errs []error
	if _, err := parseMode("", string(c.Mode)); err != nil {
		errs = append(errs, fmt.Errorf("Config.Mode %q: want monitor or block (RAMPART_MODE)", c.Mode))
	}
	if _, err := parseMode("", string(c.WAFMode)); err != nil {
		errs = append(errs, fmt.Errorf("Config.WAFMode %q: want monitor, block or empty (RAMPART_WAF_MODE)", c.WAFMode))
	}
	c.Mode = Mode(strings.ToLower(strings.TrimSpace(string(c.Mode))))
	c.WAFMode = Mode(strings.ToLower(strings.TrimSpace(string(c.WAFMode))))
	return errors.Join(errs...)
}

// FromEnv returns an Agent configured from the environment
// (ConfigFromEnv) and built by build, nil meaning New (lambdaguard passes
// its NewAgent). It is the startup policy of the guards that configure
// themselves (httpguard.Middleware, lambdaguard.Wrap, the Track functions
// through Default), whose callers have no error to check:
//
//   - RAMPART_ENABLED unset or false: rampart is off and FromEnv returns
//     nil; it logs one line when RAMPART_ENABLED=false is explicit, and a
//     warning when other variables configure rampart (RAMPART_MODE, ...)
//     while RAMPART_ENABLED is unset, or when they hold values that would be
//     refused.
//   - rampart on (or RAMPART_ENABLED set to a value that is not a switch),
//     and a configuration error (ConfigFromEnv's, or New's, such as a
//     ruleset refused under RAMPART_RULES_STRICT): FromEnv logs the error,
//     names the variable, and exits the process with ExitConfigError, so
//     that a deploy with a misconfigured rampart fails instead of serving
//     unprotected.
//
// An unusable ruleset is not such an error: New runs the embedded default
// ruleset instead and says so (see Status).
func FromEnv(build func(Config) (*Agent, error)) *Agent {
	if build == nil {
		build = New
	}
	log := slog.Default()
	cfg, err := ConfigFromEnv()
	v, set := os.LookupEnv("RAMPART_ENABLED")
	badSwitch := hasVar(err, "RAMPART_ENABLED")
	if !cfg.Enabled && !badSwitch {
		for _, w := range cfg.warnings {
			log.Warn("rampart: " + w)
		}
		switch {
		case err != nil:
			log.Warn("rampart: off (RAMPART_ENABLED is "+describeOff(v, set)+"); these variables would also be refused", "error", err)
		case set && strings.TrimSpace(v) != "":
			log.Info("rampart: off (RAMPART_ENABLED=" + v + ")")
		default:
			for _, name := range agentVars {
				if os.Getenv(name) != "" {
					log.Warn("rampart: off: RAMPART_ENABLED is not set, though " + name + " is; set RAMPART_ENABLED=true to switch rampart on")
					break
				}
			}
		}
		return nil
	}
	if err == nil {
		var a *Agent
		a, err = build(cfg)
		if err == nil {
			return a
		}
	}
	fail(log, err)
	return nil
}

// fail logs a configuration error that stops rampart from starting, and
// exits the process.
func fail(log *slog.Logger, err error) {
	log.Error("rampart: configuration error: refusing to run unprotected; fix the variable, or set RAMPART_ENABLED=false to run without rampart", "error", err)
	os.Exit(ExitConfigError)
}

// hasVar reports whether err (joined) holds a *ConfigError for name.
func hasVar(err error, name string) bool {
	var walk func(error) bool
	walk = func(e error) bool {
		if ce, ok := e.(*ConfigError); ok && ce.Var == name {
			return true
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return err != nil && walk(err)
}

func describeOff(v string, set bool) string {
	if !set || strings.TrimSpace(v) == "" {
		return "not set"
	}
	return v
}
