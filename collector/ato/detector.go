package ato

import (
	"context"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/event"
)

// maxField bounds the logins and user ids the detectors store: longer ones
// are cut (no real login is that long, and a flood of huge ones must not
// fill the state).
const maxField = 256

// Window keys. Account and IP keys carry the normalised login (or the
// user id) and the IP group.
const (
	keyAccount    = "a:"
	keyIP         = "i:"
	keyCampaign   = "c:"
	keyCooldown   = "cd:"
	keyEmitted    = "ems:" // the attempts counted (em: held the last one)
	keyTotal      = "g:t"
	keyFailures   = "g:f"
	keyUnknown    = "g:x"
	keyFailLog    = "g:fails"
	keyProbe      = "g:probe"
	keyCampaignOn = "g:on" // the last time the global ratios were anomalous
)

// Detector runs the account-takeover detectors over user events. It is
// safe for concurrent use; several Detectors (in several processes) that
// share one Window detect as one.
type Detector struct {
	cfg    Config
	w      Window
	latest atomic.Int64 // newest event time seen, Unix nanoseconds
	base   atomic.Pointer[baselines]
}

// New returns a Detector with cfg (zero fields take their defaults) over
// the state w; a nil w is a Memory with default bounds.
func New(cfg Config, w Window) *Detector {
	cfg.fill()
	if w == nil {
		w = NewMemory(MemoryConfig{})
	}
	return &Detector{cfg: cfg, w: w}
}

// Config returns the detector's configuration, defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// rec is a decoded log entry.
type rec struct {
	t time.Time
	attempt
}

// obs is what one Observe call knows about its event.
type obs struct {
	t       time.Time
	a       attempt
	acct    string
	acctLog []rec // the account's attempts within the account span
	ipLog   []rec // the IP group's attempts (its log's span: see Observe)
	// campaignOp read the IP's campaigns with the logs (a success).
	campaignOp *Op
}

// Observe feeds one event to the detectors and returns the signals it
// raises. Only login successes and failures are detected on; other events,
// events without a time and events older than the horizon return nothing.
// A state error stops the detection of this event and is returned with
// the signals raised so far.
func (d *Detector) Observe(ctx context.Context, ev *event.Event) ([]Signal, error) {
	if ev == nil || ev.Time.IsZero() || (ev.Type != event.TypeLoginSuccess && ev.Type != event.TypeLoginFailure) {
		return nil, nil
	}
	o := obs{t: ev.Time}
	tn := o.t.UnixNano()
	for {
		cur := d.latest.Load()
		if tn <= cur || d.latest.CompareAndSwap(cur, tn) {
			break
		}
	}
	if tn < d.latest.Load()-int64(d.cfg.Horizon) {
		return nil, nil
	}
	o.a = attempt{success: ev.Type == event.TypeLoginSuccess, exists: existsUnknown, ip: d.group(ev.IP)}
	if ev.Usr != nil {
		o.a.id = cut(ev.Usr.ID)
		o.a.login = cut(ev.Usr.Login)
		if ev.Usr.Exists != nil {
			o.a.exists = existsNo
			if *ev.Usr.Exists {
				o.a.exists = existsYes
			}
		}
	}
	if o.a.success {
		o.a.exists = existsYes
	}
	o.acct = accountKey(o.a.id, o.a.login)
	entry := Entry{Time: o.t, Value: o.a.encode()}

	// The logs of the account and the IP, and the global counters, in one
	// round trip to a shared Window.
	var acctOp, ipOp *Op
	ops := make([]*Op, 0, 6)
	if o.acct != "" {
		span := max(d.cfg.BruteForce.Window, d.cfg.BruteForce.SlowWindow, d.cfg.Takeover.Window, d.cfg.Velocity.Window)
		acctOp = &Op{Kind: OpAppendRange, Key: keyAccount + o.acct, Entry: entry, Span: span, Limit: d.cfg.LogLimit}
		ops = append(ops, acctOp)
	}
	if o.a.ip != "" {
		// Kept for the naming window before the distributed detector's
		// too: a campaign's IP that tries once every several minutes.
		ipOp = &Op{Kind: OpAppendRange, Key: keyIP + o.a.ip, Entry: entry, Span: max(d.cfg.Stuffing.Window, 2*d.cfg.Distributed.NameWindow), Limit: d.cfg.LogLimit}
		ops = append(ops, ipOp)
	}
	var dist *distOps
	if o.a.success {
		ops = append(ops, &Op{Kind: OpAdd, Key: keyTotal, Time: o.t, Width: d.cfg.Distributed.Bucket, N: 2, Delta: 1})
		if o.acct != "" && o.a.ip != "" {
			// The IP's campaigns, for takeover.
			o.campaignOp = &Op{Kind: OpRange, Key: keyCampaign + o.a.ip, Time: o.t, Span: d.cfg.CampaignTTL, Limit: 4}
			ops = append(ops, o.campaignOp)
		}
	} else {
		dist = d.distributedOps(&o, entry)
		ops = append(ops, dist.ops...)
	}
	if err := run(ctx, d.w, ops); err != nil {
		return nil, err
	}
	if acctOp != nil {
		o.acctLog = decode(acctOp.Entries)
	}
	if ipOp != nil {
		o.ipLog = decode(ipOp.Entries)
	}
	var sigs []*Signal
	if o.a.success {
		if o.acct != "" {
			s, err := d.takeover(ctx, &o)
			if err != nil {
				return nil, err
			}
			sigs = appendSig(sigs, s)
			sigs = appendSig(sigs, d.velocity(&o))
		}
	} else {
		if o.acct != "" {
			s, err := d.bruteForce(ctx, &o)
			if err != nil {
				return nil, err
			}
			sigs = appendSig(sigs, s)
		}
		if o.a.ip != "" {
			sigs = appendSig(sigs, d.stuffing(&o))
		}
		s, err := d.distributed(ctx, &o, dist)
		if err != nil {
			return nil, err
		}
		sigs = appendSig(sigs, s)
	}
	var out []Signal
	for _, s := range sigs {
		emit, err := d.emit(ctx, s)
		if err != nil {
			return out, err
		}
		if emit {
			out = append(out, *s)
		}
	}
	return out, nil
}

func appendSig(sigs []*Signal, s *Signal) []*Signal {
	if s != nil {
		sigs = append(sigs, s)
	}
	return sigs
}

// emit applies the cooldown to s, and marks the IPs of a campaign.
//
// A signal that names no IP yet (distributed stuffing is detected from the
// global ratios before its IPs are old enough to name) has a cooldown of
// its own, so that it does not hold back the first emission that names
// them.
//
// Within the cooldown, with Config.Updates, s is emitted as an update
// (Signal.Update) when it counts attempts no earlier emission did.
func (d *Detector) emit(ctx context.Context, s *Signal) (bool, error) {
	key := keyCooldown + s.Key
	if len(s.IPs) == 0 && s.Type == TypeDistributed {
		key += "\x1funnamed"
	}
	cool := &Op{Kind: OpAdd, Key: key, Time: s.DetectedAt, Width: d.cfg.Cooldown, N: 1, Delta: 1}
	ops := []*Op{cool}
	var mark *Op
	if d.cfg.Updates {
		// the previous emission's mark, read with the cooldown (one
		// round trip): every signal that holds is emitted or updated
		mark = d.marksOp(s)
		ops = append(ops, mark)
	}
	if err := run(ctx, d.w, ops); err != nil || len(cool.Counts) != 1 {
		return false, err
	}
	n := cool.Counts
	first := n[0] == 1
	if rp, _ := ctx.Value(replayKey{}).(*replay); rp != nil {
		// A replay: the cooldown may be that of an emission the store
		// never got; each key is emitted once in the replay.
		rp.mu.Lock()
		again := rp.seen[key]
		rp.seen[key] = true
		rp.mu.Unlock()
		first = !again || n[0] == 1
	}
	var prev []Entry
	if mark != nil {
		prev = mark.Entries
	} else {
		var err error
		if first {
			m := d.marksOp(s)
			if err = run(ctx, d.w, []*Op{m}); err != nil {
				return false, err
			}
			prev = m.Entries
		}
	}
	if !first {
		if !d.cfg.Updates {
			return false, nil
		}
		if err := d.countNew(ctx, s, prev); err != nil || s.New == 0 {
			return false, err
		}
		s.Update = true
		return true, nil
	}
	if err := d.countNew(ctx, s, prev); err != nil {
		return false, err
	}
	switch s.Type {
	case TypeBruteForce, TypeCredentialStuffing, TypeDistributed:
		// Hundreds of IPs for distributed stuffing: one round trip.
		ops := make([]*Op, len(s.IPs))
		for i, ip := range s.IPs {
			ops[i] = &Op{Kind: OpAppend, Key: keyCampaign + ip, Entry: Entry{Time: s.DetectedAt, Value: s.Type}, Span: d.cfg.CampaignTTL, Limit: 4}
		}
		if err := run(ctx, d.w, ops); err != nil {
			return true, err
		}
	}
	return true, nil
}

// replayKey is the context key of a replay.
type replayKey struct{}

// replay is the keys emitted during one replay.
type replay struct {
	mu   sync.Mutex
	seen map[string]bool
}

// WithReplay returns a context for observing again events that a detector
// may have observed already, but whose signals may not have reached the
// store (a collector replica killed between the two): within it, a signal
// key is emitted once even when its cooldown says it was emitted already.
// Observe the replayed events with one such context, in order.
func WithReplay(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayKey{}, &replay{seen: map[string]bool{}})
}

// marksOp reads the marks of s.Key: the times of the attempts its
// emissions counted, the newest markLimit within the horizon around s.
func (d *Detector) marksOp(s *Signal) *Op {
	return &Op{Kind: OpRange, Key: keyEmitted + s.Key, Time: s.DetectedAt.Add(d.cfg.Horizon), Span: 2 * d.cfg.Horizon, Limit: d.markLimit()}
}

// markLimit bounds the marks kept per key: twice the attempts a log keeps.
func (d *Detector) markLimit() int { return 2 * d.cfg.LogLimit }

// countNew sets s.New: the attempts s counts that no earlier emission of
// s.Key counted (prev, the marks read by marksOp), and marks them. With
// as many marks as markLimit, an attempt older than the oldest counts as
// counted. Emissions of a key run one at a time on the detecting replica
// (the cooldown admits one per key and bucket; with Config.Updates, the
// collector observes one event at a time).
//
// Attempts are told apart by their time: an event observed again (a replay
// after a replica died, which appends it to the logs once more) is not a
// new attempt, and one that arrives late (older than attempts counted
// already) is; two attempts of one signal at the same instant (to the
// microsecond on Redis) count as one.
func (d *Detector) countNew(ctx context.Context, s *Signal, prev []Entry) error {
	times := slices.Clone(s.counted)
	slices.SortFunc(times, time.Time.Compare)
	times = slices.CompactFunc(times, time.Time.Equal)
	limit := d.markLimit()
	have := make(map[int64]bool, len(prev))
	for _, e := range prev {
		have[e.Time.UnixNano()] = true
	}
	var ops []*Op
	for _, t := range times {
		if have[t.UnixNano()] || (len(prev) >= limit && !t.After(prev[0].Time)) {
			continue
		}
		ops = append(ops, &Op{Kind: OpAppend, Key: keyEmitted + s.Key, Entry: Entry{Time: t, Value: "1"}, Span: d.cfg.Horizon, Limit: limit})
	}
	s.New = len(ops)
	if len(ops) > limit {
		ops = ops[len(ops)-limit:] // the newest: the log keeps no more
	}
	return run(ctx, d.w, ops)
}

func (d *Detector) read(ctx context.Context, key string, from, to time.Time, limit int) ([]rec, error) {
	es, err := d.w.Range(ctx, key, from, to, limit)
	if err != nil {
		return nil, err
	}
	return decode(es), nil
}

// decode turns log entries into attempts, skipping what does not decode.
func decode(es []Entry) []rec {
	out := make([]rec, 0, len(es))
	for _, e := range es {
		if a, ok := decodeAttempt(e.Value); ok {
			out = append(out, rec{e.Time, a})
		}
	}
	return out
}

// group returns the IP group of a client address: the address itself, or
// its prefix when the configured prefix is shorter than the address. An
// empty or malformed address has no group.
func (d *Detector) group(s string) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	addr = addr.WithZone("").Unmap()
	bits := d.cfg.IPv6Prefix
	if addr.Is4() {
		bits = d.cfg.IPv4Prefix
	}
	if bits >= addr.BitLen() {
		return addr.String()
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// accountKey is how attempts on one account are grouped: the login, case
// folded, or else the user id.
func accountKey(id, login string) string {
	if l := strings.ToLower(strings.TrimSpace(login)); l != "" {
		return l
	}
	if id != "" {
		return "#" + id
	}
	return ""
}

func cut(s string) string {
	if len(s) > maxField {
		return s[:maxField]
	}
	return s
}

// within returns the records of log inside [from, to].
func within(log []rec, from, to time.Time) []rec {
	lo := sort.Search(len(log), func(i int) bool { return !log[i].t.Before(from) })
	hi := sort.Search(len(log), func(i int) bool { return log[i].t.After(to) })
	if hi < lo {
		return nil
	}
	return log[lo:hi]
}

// runOfFailures returns the failures after the last success in log, and
// that success's index (-1 when none).
func runOfFailures(log []rec) ([]rec, int) {
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].success {
			return log[i+1:], i
		}
	}
	return log, -1
}

func (d *Detector) bruteForce(ctx context.Context, o *obs) (*Signal, error) {
	c := d.cfg.BruteForce
	run, _ := runOfFailures(within(o.acctLog, o.t.Add(-c.Window), o.t))
	slow := false
	if len(run) < c.Failures {
		// a slow brute force: fewer per window, many over the slow window
		run, _ = runOfFailures(within(o.acctLog, o.t.Add(-c.SlowWindow), o.t))
		if len(run) < c.SlowFailures {
			return nil, nil
		}
		slow = true
	}
	var ips []string
	seen := map[string]bool{}
	for _, r := range run {
		if r.ip != "" && !seen[r.ip] {
			seen[r.ip] = true
			ips = append(ips, r.ip)
		}
	}
	// An address whose other users mostly succeed (an office NAT) is not
	// named: blocking it would lock them all out.
	named := ips[:0]
	shared := 0
	for _, ip := range ips {
		sh, err := d.shared(ctx, o, ip)
		if err != nil {
			return nil, err
		}
		if sh {
			shared++
			continue
		}
		if len(named) < d.cfg.MaxIPs {
			named = append(named, ip)
		}
	}
	s := d.newSignal(TypeBruteForce, "account:"+o.acct, o.t, run)
	s.Severity = SeverityHigh
	if run[len(run)-1].exists == existsNo {
		s.Severity = SeverityMedium
	}
	s.IPs = named
	s.Users = []User{userOf(run[len(run)-1].attempt)}
	s.Reason = plural(len(run), "failed login") + " on one account from " + plural(len(ips), "IP")
	s.Metrics = map[string]float64{"failures": float64(len(run)), "ips": float64(len(ips)), "shared_ips": float64(shared)}
	if slow {
		s.Metrics["slow"] = 1
		s.Reason += " within " + c.SlowWindow.String()
	}
	return s, nil
}

// shared reports whether ip is an address many users log in from
// successfully: successes on at least three other accounts and a success
// ratio of at least one half within the stuffing window.
func (d *Detector) shared(ctx context.Context, o *obs, ip string) (bool, error) {
	log := within(o.ipLog, o.t.Add(-d.cfg.Stuffing.Window), o.t)
	if ip != o.a.ip {
		var err error
		if log, err = d.read(ctx, keyIP+ip, o.t.Add(-d.cfg.Stuffing.Window), o.t, d.cfg.LogLimit); err != nil {
			return false, err
		}
	}
	ok := 0
	accts := map[string]bool{}
	for _, r := range log {
		if r.success {
			ok++
			if k := accountKey(r.id, r.login); k != o.acct {
				accts[k] = true
			}
		}
	}
	return len(accts) >= 3 && ok*2 >= len(log), nil
}

func (d *Detector) stuffing(o *obs) *Signal {
	c := d.cfg.Stuffing
	log := within(o.ipLog, o.t.Add(-c.Window), o.t)
	if len(log) == 0 {
		return nil
	}
	failed := map[string]bool{}
	unknown := map[string]bool{}
	var fails []rec
	for _, r := range log {
		if r.success {
			continue
		}
		fails = append(fails, r)
		k := accountKey(r.id, r.login)
		failed[k] = true
		if r.exists == existsNo {
			unknown[k] = true
		}
	}
	ratio := float64(len(fails)) / float64(len(log))
	if ratio < c.FailureRatio || (len(failed) < c.Logins && len(unknown) < c.NonexistentLogins) {
		return nil
	}
	s := d.newSignal(TypeCredentialStuffing, "ip:"+o.a.ip, o.t, fails)
	s.Count = len(log)
	s.counted = s.counted[:0]
	for _, r := range log {
		s.counted = append(s.counted, r.t)
	}
	s.Severity = SeverityHigh
	s.IPs = []string{o.a.ip}
	s.Users = d.users(fails)
	s.Reason = "one IP failed on " + plural(len(failed), "distinct login") + ", " + plural(len(unknown), "unknown account")
	s.Metrics = map[string]float64{"failure_ratio": ratio, "distinct_logins": float64(len(failed)), "nonexistent_logins": float64(len(unknown))}
	return s
}

func (d *Detector) takeover(ctx context.Context, o *obs) (*Signal, error) {
	c := d.cfg.Takeover
	log := within(o.acctLog, o.t.Add(-c.Window), o.t)
	// drop this success itself (the newest success at o.t)
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].success && log[i].t.Equal(o.t) {
			log = append(log[:i:i], log[i+1:]...)
			break
		}
	}
	all, _ := runOfFailures(log)
	var run []rec
	for _, r := range all {
		if r.ip == o.a.ip {
			run = append(run, r)
		}
	}
	var campaign []Entry
	if o.campaignOp != nil {
		campaign = o.campaignOp.Entries // read with the logs (Observe)
	} else if o.a.ip != "" {
		var err error
		campaign, err = d.w.Range(ctx, keyCampaign+o.a.ip, o.t.Add(-d.cfg.CampaignTTL), o.t, 4)
		if err != nil {
			return nil, err
		}
	}
	if len(run) < c.Failures && len(campaign) == 0 {
		return nil, nil
	}
	timeline := append(run[:len(run):len(run)], rec{o.t, o.a})
	s := d.newSignal(TypeAccountTakeover, "account:"+o.acct, o.t, timeline)
	s.Severity = SeverityCritical
	s.Users = []User{userOf(o.a)}
	seen := map[string]bool{}
	for _, r := range timeline {
		if r.ip != "" && !seen[r.ip] && len(s.IPs) < d.cfg.MaxIPs {
			seen[r.ip] = true
			s.IPs = append(s.IPs, r.ip)
		}
	}
	s.Metrics = map[string]float64{"failures_before": float64(len(run))}
	if len(campaign) > 0 {
		s.Reason = "a login succeeded from an IP taking part in a " + campaign[len(campaign)-1].Value + " campaign"
		s.Metrics["campaign_ip"] = 1
	} else {
		s.Reason = "a login succeeded after " + plural(len(run), "failure")
	}
	return s, nil
}

func (d *Detector) velocity(o *obs) *Signal {
	c := d.cfg.Velocity
	var oks []rec
	ips := map[string]bool{}
	for _, r := range within(o.acctLog, o.t.Add(-c.Window), o.t) {
		if r.success && r.ip != "" {
			oks = append(oks, r)
			ips[r.ip] = true
		}
	}
	if len(ips) < c.IPs {
		return nil
	}
	s := d.newSignal(TypeLoginVelocity, "account:"+o.acct, o.t, oks)
	s.Severity = SeverityMedium
	s.Users = []User{userOf(o.a)}
	for _, r := range oks {
		if ips[r.ip] && len(s.IPs) < d.cfg.MaxIPs {
			delete(ips, r.ip)
			s.IPs = append(s.IPs, r.ip)
		}
	}
	s.Reason = "one account logged in from " + plural(len(s.IPs), "IP") + " within " + c.Window.String()
	s.Metrics = map[string]float64{"ips": float64(len(s.IPs))}
	return s
}

// newSignal fills what every signal has from the attempts that show it.
func (d *Detector) newSignal(typ, subject string, at time.Time, attempts []rec) *Signal {
	s := &Signal{Type: typ, Key: typ + ":" + subject, DetectedAt: at, Count: len(attempts)}
	for _, r := range attempts {
		if !r.success {
			s.Failures++
		}
	}
	if len(attempts) > 0 {
		s.FirstSeen, s.LastSeen = attempts[0].t, attempts[len(attempts)-1].t
	}
	s.counted = make([]time.Time, len(attempts))
	for i, r := range attempts {
		s.counted[i] = r.t
	}
	tl := attempts
	if len(tl) > d.cfg.TimelineLimit {
		tl = tl[len(tl)-d.cfg.TimelineLimit:]
	}
	s.Timeline = make([]Attempt, len(tl))
	for i, r := range tl {
		s.Timeline[i] = Attempt{Time: r.t, Success: r.success, IP: r.ip, UserID: r.id, Login: r.login, Exists: r.exists.ptr()}
	}
	return s
}

func userOf(a attempt) User { return User{ID: a.id, Login: a.login, Exists: a.exists.ptr()} }

// users lists the distinct accounts of attempts, existing ones first, as
// many as MaxUsers.
func (d *Detector) users(attempts []rec) []User {
	seen := map[string]int{}
	var us []User
	for _, r := range attempts {
		k := accountKey(r.id, r.login)
		if i, ok := seen[k]; ok {
			if us[i].Exists == nil {
				us[i].Exists = r.exists.ptr()
			}
			continue
		}
		seen[k] = len(us)
		us = append(us, userOf(r.attempt))
	}
	sort.SliceStable(us, func(i, j int) bool { return rank(us[i].Exists) < rank(us[j].Exists) })
	if len(us) > d.cfg.MaxUsers {
		us = us[:d.cfg.MaxUsers]
	}
	return us
}

func rank(b *bool) int {
	switch {
	case b == nil:
		return 1
	case *b:
		return 0
	}
	return 2
}

func plural(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		s += "s"
	}
	return s
}
