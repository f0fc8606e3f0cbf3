package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/waf"
)

// The rules_data lists of the default ruleset that decisions fill: the
// rule rp-block-ip matches http.client_ip against DataBlockedIPs, and
// rp-block-user matches usr.id against DataBlockedUsers; both block.
const (
	DataBlockedIPs   = "blocked_ips"
	DataBlockedUsers = "blocked_users"
)

// Defaults of PollerConfig.
const (
	DefaultPollInterval = 10 * time.Second
	// maxDecisionsBody bounds the decisions response read.
	maxDecisionsBody = 32 << 20
)

// DataUpdater is what the Poller applies decisions to: *waf.Engine.
type DataUpdater interface {
	UpdateData(id string, entries []waf.DataEntry) error
}

// PollerConfig configures a Poller. Endpoint and Engine are required.
type PollerConfig struct {
	// Endpoint and APIKey are the collector's URL and an ingest key.
	Endpoint, APIKey string
	// Interval is the time between polls (DefaultPollInterval), with
	// 10% jitter.
	Interval time.Duration
	// Engine receives the block decisions as rules_data.
	Engine DataUpdater
	// Client sends the requests; nil means a client with DefaultTimeout.
	Client *http.Client
	// Logger receives diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for expirations; nil means time.Now.
	Now func() time.Time
}

// Decision is a decision as GET /v1/decisions returns it.
type Decision struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	SignalID  string    `json:"signal_id,omitempty"`
}

// challenges are the challenge decisions in force: IPs and CIDRs, and
// user ids, each with its expiry (zero: none).
type challenges struct {
	addrs    map[netip.Addr]time.Time
	prefixes []challengePrefix
	users    map[string]time.Time
}

type challengePrefix struct {
	p   netip.Prefix
	exp time.Time
}

// Poller fetches the decisions and applies them. It is safe for
// concurrent use.
type Poller struct {
	cfg PollerConfig
	url string
	log *slog.Logger

	mu      sync.Mutex // one poll at a time; etag
	etag    string
	version atomic.Int64
	polls   atomic.Int64
	errs    atomic.Int64
	chal    atomic.Pointer[challenges]
	warned  sync.Map // data ids the engine lacks, logged once

	stopOnce sync.Once
	started  atomic.Bool
	stop     context.CancelFunc
	ctx      context.Context
	done     chan struct{}
}

// NewPoller returns a Poller; Start runs it.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	if cfg.Endpoint == "" || cfg.Engine == nil {
		return nil, errors.New("report: PollerConfig needs Endpoint and Engine")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPollInterval
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Poller{cfg: cfg, url: strings.TrimRight(cfg.Endpoint, "/") + "/v1/decisions", log: cfg.Logger, done: make(chan struct{})}
	p.ctx, p.stop = context.WithCancel(context.Background())
	p.chal.Store(&challenges{})
	return p, nil
}

// Start polls at once and then every Interval, in a goroutine, until Stop.
func (p *Poller) Start() {
	if !p.started.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer close(p.done)
		for {
			ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
			if err := p.Poll(ctx); err != nil && p.ctx.Err() == nil {
				p.log.Warn("rampart: polling decisions", "error", err)
			}
			cancel()
			d := p.cfg.Interval
			d += time.Duration(mathrand.Int64N(int64(d)/5+1)) - d/10 // ±10%
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
		}
	}()
}

// Stop ends the polling started by Start and waits for it.
func (p *Poller) Stop() {
	p.stopOnce.Do(p.stop)
	if !p.started.Load() {
		return
	}
	select {
	case <-p.done:
	case <-time.After(DefaultTimeout):
	}
}

// Version is the decisions version last applied (0 before the first).
func (p *Poller) Version() int64 { return p.version.Load() }

// Polls and Errors count the polls done and those that failed.
func (p *Poller) Polls() (polls, errs int64) { return p.polls.Load(), p.errs.Load() }

// Poll fetches the decisions once, with the ETag of the last ones, and
// applies them when they changed.
func (p *Poller) Poll(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polls.Add(1)
	err := p.poll(ctx)
	if err != nil {
		p.errs.Add(1)
	}
	return err
}

func (p *Poller) poll(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return err
	}
	if p.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil
	case http.StatusOK:
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("GET %s: %s", p.url, resp.Status)
	}
	var body struct {
		Version   int64      `json:"version"`
		Decisions []Decision `json:"decisions"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDecisionsBody)).Decode(&body); err != nil {
		return fmt.Errorf("GET %s: decoding: %w", p.url, err)
	}
	if err := p.apply(body.Decisions); err != nil {
		return err
	}
	p.etag = resp.Header.Get("ETag")
	p.version.Store(body.Version)
	return nil
}

// Apply puts decisions in force: block decisions as the engine's
// rules_data, challenge decisions for Challenged. It replaces what was in
// force before. Poll calls it; tests and the Lambda extension may too.
func (p *Poller) Apply(ds []Decision) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apply(ds)
}

func (p *Poller) apply(ds []Decision) error {
	now := p.cfg.Now()
	ips := []waf.DataEntry{}
	users := []waf.DataEntry{}
	ch := &challenges{addrs: map[netip.Addr]time.Time{}, users: map[string]time.Time{}}
	for _, d := range ds {
		if !d.ExpiresAt.IsZero() && !d.ExpiresAt.After(now) {
			continue
		}
		var exp int64
		if !d.ExpiresAt.IsZero() {
			exp = d.ExpiresAt.Unix()
			if d.ExpiresAt.Nanosecond() > 0 {
				exp++
			}
		}
		switch d.Kind {
		case "block_ip":
			if _, ok := parseIPOrPrefix(d.Value); ok {
				ips = append(ips, waf.DataEntry{Value: d.Value, Expiration: exp})
			}
		case "block_user":
			if d.Value != "" {
				users = append(users, waf.DataEntry{Value: d.Value, Expiration: exp})
			}
		case "challenge_ip":
			if pf, ok := parseIPOrPrefix(d.Value); ok {
				if pf.IsSingleIP() {
					ch.addrs[pf.Addr()] = d.ExpiresAt
				} else {
					ch.prefixes = append(ch.prefixes, challengePrefix{p: pf, exp: d.ExpiresAt})
				}
			}
		case "challenge_user":
			if d.Value != "" {
				ch.users[d.Value] = d.ExpiresAt
			}
		}
	}
	var errs []error
	for _, u := range []struct {
		id      string
		entries []waf.DataEntry
	}{{DataBlockedIPs, ips}, {DataBlockedUsers, users}} {
		if err := p.cfg.Engine.UpdateData(u.id, u.entries); err != nil {
			// A custom ruleset without the list: say so once, and
			// still apply the rest.
			if _, dup := p.warned.LoadOrStore(u.id, true); !dup {
				p.log.Warn("rampart: decisions not enforced: the ruleset has no rules_data list", "id", u.id, "error", err)
			}
			if len(u.entries) > 0 {
				errs = append(errs, err)
			}
		}
	}
	p.chal.Store(ch)
	return errors.Join(errs...)
}

func parseIPOrPrefix(v string) (netip.Prefix, bool) {
	if pf, err := netip.ParsePrefix(v); err == nil {
		return pf.Masked(), true
	}
	if a, err := netip.ParseAddr(v); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// Challenged reports whether a challenge decision is in force for the IP
// or for the user id (either may be empty): the application should ask for
// step-up authentication (rampart.ActionChallenge).
func (p *Poller) Challenged(ip, userID string) bool {
	return p.ChallengedIP(ip) || p.ChallengedUser(userID)
}

// ChallengedIP reports whether a challenge_ip decision covers ip.
func (p *Poller) ChallengedIP(ip string) bool {
	if p == nil || ip == "" {
		return false
	}
	ch := p.chal.Load()
	if len(ch.prefixes) == 0 && len(ch.addrs) == 0 {
		return false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	now := p.cfg.Now()
	if exp, ok := ch.addrs[a]; ok && (exp.IsZero() || exp.After(now)) {
		return true
	}
	for _, c := range ch.prefixes {
		if c.p.Contains(a) && (c.exp.IsZero() || c.exp.After(now)) {
			return true
		}
	}
	return false
}

// ChallengedUser reports whether a challenge_user decision names userID.
func (p *Poller) ChallengedUser(userID string) bool {
	if p == nil || userID == "" {
		return false
	}
	exp, ok := p.chal.Load().users[userID]
	return ok && (exp.IsZero() || exp.After(p.cfg.Now()))
}
