package engines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	libddwaf "github.com/DataDog/go-libddwaf/v5"
	"github.com/DataDog/go-libddwaf/v5/timer"
	"github.com/DataDog/go-libddwaf/v5/waferrors"

	"github.com/rampartsec/rampart/internal/corpus"
)

func init() { Register("libddwaf", newLibddwaf) }

// libddwafEngine is Datadog's libddwaf (C++, loaded through purego by
// go-libddwaf) with a Datadog-format ruleset.
type libddwafEngine struct {
	handle *libddwaf.Handle
	budget []timer.Option
}

func newLibddwaf(opt Options) (Engine, error) {
	raw, err := os.ReadFile(opt.RulesetPath)
	if err != nil {
		return nil, err
	}
	return NewLibddwaf(raw, opt.Budget)
}

// NewLibddwaf builds a libddwaf engine from ruleset JSON. budget is the
// time budget of one run: 0 for DefaultBudget, negative for unlimited.
func NewLibddwaf(ruleset []byte, budget time.Duration) (Engine, error) {
	if ok, err := libddwaf.Load(); !ok {
		return nil, fmt.Errorf("libddwaf: cannot load the library: %w", err)
	}
	var parsed any
	if err := json.Unmarshal(ruleset, &parsed); err != nil {
		return nil, fmt.Errorf("libddwaf: ruleset: %w", err)
	}
	b, err := libddwaf.NewBuilder()
	if err != nil {
		return nil, fmt.Errorf("libddwaf: %w", err)
	}
	defer b.Close()
	diag, err := b.AddOrUpdateConfig("/rules", parsed)
	if err != nil {
		return nil, fmt.Errorf("libddwaf: ruleset: %w", err)
	}
	if diag.Rules != nil && len(diag.Rules.Failed) > 0 {
		fmt.Fprintf(os.Stderr, "libddwaf: %d rules failed to load: %v\n", len(diag.Rules.Failed), diag.Rules.Errors)
	}
	h, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("libddwaf: build: %w", err)
	}
	e := &libddwafEngine{handle: h}
	switch {
	case budget < 0:
		e.budget = []timer.Option{timer.WithUnlimitedBudget()}
	case budget == 0:
		e.budget = []timer.Option{timer.WithBudget(DefaultBudget)}
	default:
		e.budget = []timer.Option{timer.WithBudget(budget)}
	}
	return e, nil
}

// Prepare builds the address map that a Go integration (dd-trace-go's
// net/http instrumentation, with body inspection on) hands to the WAF.
func (e *libddwafEngine) Prepare(r *corpus.Request) (any, error) {
	return AddressMap(r), nil
}

// AddressMap returns the libddwaf addresses of a request as generic Go
// values: method, raw URI, headers without cookies (names lowercased),
// cookies, query, client IP and the parsed body.
func AddressMap(r *corpus.Request) map[string]any {
	h := Wire(r)
	headers := map[string][]string{}
	for _, kv := range h {
		k := strings.ToLower(kv[0])
		if k == "cookie" {
			continue
		}
		headers[k] = append(headers[k], kv[1])
	}
	_, rawQuery := splitURI(r.Request.URI)
	m := map[string]any{
		"server.request.method":             r.Request.Method,
		"server.request.uri.raw":            r.Request.URI,
		"server.request.headers.no_cookies": headers,
		"server.request.query":              parseQuery(rawQuery),
		"http.client_ip":                    r.Request.ClientIP,
	}
	if c := parseCookies(h); len(c) > 0 {
		m["server.request.cookies"] = c
	}
	if b := parseBody(header(h, "Content-Type"), r.Request.Body); b != nil {
		m["server.request.body"] = b
	}
	return m
}

func (e *libddwafEngine) Eval(p any, rules []string) ([]string, Verdict) {
	var v Verdict
	ctx, err := e.handle.NewContext(context.Background(), e.budget...)
	if err != nil {
		v.Err = true
		return rules, v
	}
	res, err := ctx.Run(context.Background(), libddwaf.RunAddressData{Data: p.(map[string]any)})
	ctx.Close()
	if err != nil {
		if errors.Is(err, waferrors.ErrTimeout) {
			v.TimedOut = true
		} else {
			v.Err = true
		}
	}
	v.Flagged = len(res.Events) > 0
	return appendEventRules(rules, res.Events), v
}

// appendEventRules appends the rule id of each libddwaf event.
func appendEventRules(rules []string, events []any) []string {
	for _, ev := range events {
		m, _ := ev.(map[string]any)
		rule, _ := m["rule"].(map[string]any)
		if id, ok := rule["id"].(string); ok {
			rules = append(rules, id)
		}
	}
	return rules
}

func (e *libddwafEngine) Close() { e.handle.Close() }
