package lambdaguard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/operator"
)

// Decision is one of the collector's decisions, as GET /v1/decisions
// returns them.
type Decision struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // block_ip, block_user, challenge_ip, challenge_user
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at"`
	Reason    string    `json:"reason,omitempty"`
	SignalID  string    `json:"signal_id,omitempty"`
}

// Decisions is the body of GET /v1/decisions.
type Decisions struct {
	Version   int64      `json:"version"`
	Decisions []Decision `json:"decisions"`
}

// The rules_data lists that decisions feed: the default ruleset's blocking
// rules read them (over http.client_ip and usr.id).
const (
	BlockedIPs   = "blocked_ips"
	BlockedUsers = "blocked_users"
)

// ApplyDecisions replaces the engine's block lists with the decisions:
// block_ip decisions become BlockedIPs, block_user decisions BlockedUsers,
// each entry expiring with its decision. Challenge decisions are not
// enforced in-process and are skipped. The error reports a list that the ruleset does not
// use while decisions name it, or that rejected its entries (an IP that does
// not parse; the list then keeps its previous entries).
func ApplyDecisions(eng *waf.Engine, ds []Decision) error {
	var ips, users []operator.DataEntry
	for _, d := range ds {
		e := operator.DataEntry{Value: d.Value}
		if !d.ExpiresAt.IsZero() {
			e.Expiration = d.ExpiresAt.Unix()
		}
		switch d.Kind {
		case "block_ip":
			ips = append(ips, e)
		case "block_user":
			users = append(users, e)
		}
	}
	var first error
	for _, l := range []struct {
		id      string
		entries []operator.DataEntry
	}{{BlockedIPs, ips}, {BlockedUsers, users}} {
		// With no entries, an error only says that no rule reads the list.
		if err := eng.UpdateData(l.id, l.entries); err != nil && len(l.entries) > 0 && first == nil {
			first = err
		}
	}
	return first
}

// DefaultDecisionInterval is how often a DecisionClient asks for the
// decisions: the extension answers from its cache on localhost, with 304
// when nothing changed, so this costs about 0.1 ms once a second.
const DefaultDecisionInterval = time.Second

// DefaultDecisionTimeout bounds one request for the decisions: an
// invocation never waits longer for them.
const DefaultDecisionTimeout = 3 * time.Millisecond

// DecisionClient keeps an agent's block lists up to date from a decisions
// endpoint with the collector's contract (GET /v1/decisions with ETag): the
// rampart extension's cache on localhost. It is safe for concurrent use.
type DecisionClient struct {
	// URL is the endpoint's base URL ("http://127.0.0.1:4377").
	URL string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Interval is how often to ask; 0 means DefaultDecisionInterval.
	Interval time.Duration
	// Timeout bounds one request; 0 means DefaultDecisionTimeout.
	Timeout time.Duration
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client

	mu      sync.Mutex
	last    time.Time
	etag    string
	version int64
}

// Version returns the version of the decisions last applied.
func (c *DecisionClient) Version() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Refresh asks for the decisions when Interval has passed since the last
// time, and applies them to agent. A failure is logged and leaves the lists
// as they are: an invocation never fails for it.
func (c *DecisionClient) Refresh(ctx context.Context, agent *rampart.Agent) {
	c.mu.Lock()
	iv := c.Interval
	if iv <= 0 {
		iv = DefaultDecisionInterval
	}
	now := time.Now()
	if !c.last.IsZero() && now.Sub(c.last) < iv {
		c.mu.Unlock()
		return
	}
	c.last = now
	c.mu.Unlock()
	if err := c.fetch(ctx, agent); err != nil {
		agent.Config().Logger.Debug("rampart: decisions", "error", err)
	}
}

func (c *DecisionClient) fetch(ctx context.Context, agent *rampart.Agent) error {
	to := c.Timeout
	if to <= 0 {
		to = DefaultDecisionTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), to)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/v1/decisions", nil)
	if err != nil {
		return err
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	c.mu.Lock()
	if c.etag != "" {
		req.Header.Set("If-None-Match", c.etag)
	}
	c.mu.Unlock()
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil
	case http.StatusOK:
	default:
		return fmt.Errorf("GET /v1/decisions: %s", resp.Status)
	}
	var ds Decisions
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDecisionsBody)).Decode(&ds); err != nil {
		return fmt.Errorf("GET /v1/decisions: %w", err)
	}
	if err := ApplyDecisions(agent.Engine(), ds.Decisions); err != nil {
		return err
	}
	c.mu.Lock()
	c.etag, c.version = resp.Header.Get("ETag"), ds.Version
	c.mu.Unlock()
	return nil
}

// maxDecisionsBody bounds a decisions response: 100,000 decisions of about
// 200 bytes.
const maxDecisionsBody = 20 << 20
