package ato

import (
	"context"
	"math"
	"sort"
	"time"
)

// ipTally is what one IP group did in the global failure log.
type ipTally struct {
	ip       string
	fails    int // within the naming window
	current  int // within the current two buckets
	curUnk   int // of which on logins that do not exist
	unknown  int // failures on logins that do not exist
	last     time.Time
	accounts map[string]bool
}

// distOps are a failure's operations on the global state: its counts in
// the global buckets and its entry in the global failure log, run with the
// account's and the IP's (one round trip).
type distOps struct {
	total, fails, unknown *Op
	ops                   []*Op
}

func (d *Detector) distributedOps(o *obs, e Entry) *distOps {
	c := d.cfg.Distributed
	var dx int64
	if o.a.exists == existsNo {
		dx = 1
	}
	x := &distOps{
		total:   &Op{Kind: OpAdd, Key: keyTotal, Time: o.t, Width: c.Bucket, N: 2, Delta: 1},
		fails:   &Op{Kind: OpAdd, Key: keyFailures, Time: o.t, Width: c.Bucket, N: 2, Delta: 1},
		unknown: &Op{Kind: OpAdd, Key: keyUnknown, Time: o.t, Width: c.Bucket, N: 2, Delta: dx},
	}
	x.ops = []*Op{x.total, x.fails, x.unknown}
	if o.a.ip != "" {
		x.ops = append(x.ops, &Op{Kind: OpAppend, Key: keyFailLog, Entry: e, Span: c.NameWindow, Limit: c.LogLimit})
	}
	return x
}

// distributed judges a failure whose distOps ran: when the global ratios
// are far above their baseline, it looks for the spread that makes it
// distributed stuffing and names the participating IPs.
func (d *Detector) distributed(ctx context.Context, o *obs, x *distOps) (*Signal, error) {
	c := d.cfg.Distributed
	total, fails, unknown := x.total.Counts, x.fails.Counts, x.unknown.Counts
	if len(total) != 2 || len(fails) != 2 || len(unknown) != 2 {
		return nil, nil
	}
	T := total[0] + total[1]
	F := fails[0] + fails[1]
	X := unknown[0] + unknown[1]
	// read at the first failure of every bucket, which also tells the
	// window to keep the buckets the baseline is learned from
	base, err := d.baselines(ctx, o.t)
	if err != nil {
		return nil, err
	}
	if F < int64(c.MinFailures) || T == 0 {
		return nil, nil
	}
	bf, bx := base.failures, base.unknown
	failLimit := min(0.95, max(c.Factor*bf, bf+c.MinExcess))
	unknownLimit := min(0.95, max(c.FactorNonexistent*bx, bx+c.MinExcessNonexistent))
	// While a campaign is in progress (a signal within the naming window)
	// the ratios need only half the excess: a campaign that ebbs below the
	// threshold for a few minutes goes on being named, not only its peaks.
	relaxedFail := min(0.95, max(bf+(c.Factor-1)*bf/2, bf+c.MinExcess/2))
	relaxedUnknown := min(0.95, max(bx+(c.FactorNonexistent-1)*bx/2, bx+c.MinExcessNonexistent/2))
	anomalousAt := func(t, f, x int64, fl, ul, z float64) bool {
		if f < int64(c.MinFailures) || t <= 0 {
			return false
		}
		if float64(f)/float64(t) >= fl {
			return true
		}
		// Unknown logins are rare in benign traffic, so a small excess
		// counts, when it is also far beyond chance at this volume.
		expect := bx * float64(t)
		return x > 0 && float64(x)/float64(t) >= ul &&
			(float64(x)-expect)/math.Sqrt(expect+1) >= z
	}
	strict := anomalousAt(T, F, X, failLimit, unknownLimit, c.ZScore)
	if !strict && !anomalousAt(T, F, X, relaxedFail, relaxedUnknown, c.ZScore/2) {
		return nil, nil
	}
	// The rest reads the failure log: at most a few times per bucket.
	probe, err := d.w.Add(ctx, keyProbe, o.t, max(c.Bucket/6, time.Second), 1, 1)
	if err != nil || len(probe) != 1 || probe[0] != 1 {
		return nil, err
	}
	anomalous := func(t, f, x int64) bool { return anomalousAt(t, f, x, failLimit, unknownLimit, c.ZScore) }
	if strict {
		if err := d.w.Append(ctx, keyCampaignOn, Entry{Time: o.t, Value: "1"}, c.NameWindow, 1); err != nil {
			return nil, err
		}
	} else {
		// In progress: the ratios were anomalous within the naming window.
		marks, err := d.w.Range(ctx, keyCampaignOn, o.t.Add(-c.NameWindow), o.t, 1)
		if err != nil || len(marks) == 0 {
			return nil, err
		}
		anomalous = func(t, f, x int64) bool { return anomalousAt(t, f, x, relaxedFail, relaxedUnknown, c.ZScore/2) }
	}
	log, err := d.read(ctx, keyFailLog, o.t.Add(-c.NameWindow), o.t, c.LogLimit)
	if err != nil {
		return nil, err
	}
	curStart := time.Unix(0, (BucketIndex(o.t, c.Bucket)-1)*int64(c.Bucket))
	order, loginIPs := tallyFailures(log, curStart)
	// Spread: the ratios are still anomalous without the IPs that failed
	// more than AttemptsPerIP times (those are single-source stuffing or
	// brute force, detected as such), over at least IPs groups.
	var heavy, heavyUnk, spreadIPs int64
	var currents []int
	for _, t := range order {
		if t.current == 0 {
			continue
		}
		currents = append(currents, t.current)
		if t.current > c.AttemptsPerIP {
			heavy += int64(t.current)
			heavyUnk += int64(t.curUnk)
		} else {
			spreadIPs++
		}
	}
	if spreadIPs < int64(c.IPs) || !anomalous(T-heavy, F-heavy, X-heavyUnk) {
		return nil, nil
	}
	named, err := d.nameIPs(ctx, order, loginIPs, o.t)
	if err != nil {
		return nil, err
	}
	isNamed := map[string]bool{}
	for _, ip := range named {
		isNamed[ip] = true
	}
	var namedFails []rec
	for _, r := range log {
		if isNamed[r.ip] {
			namedFails = append(namedFails, r)
		}
	}
	sort.Strings(named)
	s := d.newSignal(TypeDistributed, "global", o.t, namedFails)
	if len(namedFails) == 0 {
		// No IP named yet (all still active, within the grace period):
		// the campaign's span is that of the current buckets' failures
		// (the log's older ones are the baseline's, not the campaign's).
		for _, r := range log {
			if !r.success && r.ip != "" && !r.t.Before(curStart) {
				if s.FirstSeen.IsZero() {
					s.FirstSeen = r.t
				}
				s.LastSeen = r.t
			}
		}
	}
	s.Severity = SeverityHigh
	s.IPs = named
	s.Users = d.users(namedFails)
	sort.Ints(currents)
	med := 0
	if len(currents) > 0 {
		med = currents[len(currents)/2]
	}
	s.Metrics = map[string]float64{
		"failure_ratio":              float64(F) / float64(T),
		"baseline_failure_ratio":     bf,
		"nonexistent_ratio":          float64(X) / float64(T),
		"baseline_nonexistent_ratio": bx,
		"attempts":                   float64(T),
		"failures":                   float64(F),
		"ips":                        float64(len(order)),
		"ips_current":                float64(len(currents)),
		"ips_named":                  float64(len(named)),
		"median_failures_per_ip":     float64(med),
	}
	// The IPs that failed within the naming window: the campaign's spread,
	// not only those of the last two buckets.
	s.Reason = "global login failures far above their baseline, spread over " + plural(len(order), "IP") + " with few attempts each"
	return s, nil
}

// tallyFailures groups the failures of the global log by IP, in order of
// first appearance (curStart begins the current two buckets), and returns
// the IPs that failed on each account.
func tallyFailures(log []rec, curStart time.Time) ([]*ipTally, map[string]map[string]bool) {
	tallies := map[string]*ipTally{}
	loginIPs := map[string]map[string]bool{}
	var order []*ipTally
	for _, r := range log {
		if r.ip == "" || r.success {
			continue
		}
		t := tallies[r.ip]
		if t == nil {
			t = &ipTally{ip: r.ip, accounts: map[string]bool{}}
			tallies[r.ip] = t
			order = append(order, t)
		}
		t.fails++
		if !r.t.Before(curStart) {
			t.current++
			if r.exists == existsNo {
				t.curUnk++
			}
		}
		if r.exists == existsNo {
			t.unknown++
		}
		t.last = r.t
		k := accountKey(r.id, r.login)
		t.accounts[k] = true
		if loginIPs[k] == nil {
			loginIPs[k] = map[string]bool{}
		}
		loginIPs[k][r.ip] = true
	}
	return order, loginIPs
}

// nameIPs names the IPs of a distributed campaign at now: failed, no
// success since the naming window began, the last failure older than the
// grace period (a user who mistyped usually succeeds within seconds), and
// one of the marks of a stuffing list (a login that does not exist, two
// failures or more, an account that other IPs failed on too). order is
// sorted by failures, most first.
func (d *Detector) nameIPs(ctx context.Context, order []*ipTally, loginIPs map[string]map[string]bool, now time.Time) ([]string, error) {
	c := d.cfg.Distributed
	grace := now.Add(-c.Grace)
	from := now.Add(-c.NameWindow)
	sort.SliceStable(order, func(i, j int) bool { return order[i].fails > order[j].fails })
	var named []string
	checked := 0 // IP logs read: at most 4 MaxIPs per probe
	for _, t := range order {
		if len(named) >= d.cfg.MaxIPs || checked >= 4*d.cfg.MaxIPs {
			break
		}
		if t.last.After(grace) || t.fails > 2*c.AttemptsPerIP {
			continue
		}
		mark := t.unknown > 0 || t.fails >= 2
		for k := range t.accounts {
			if len(loginIPs[k]) >= 2 {
				mark = true
			}
		}
		checked++
		// The IP's own log reaches further back than the naming window: a
		// campaign's IP that tries once every few minutes has failed twice
		// there (its earlier failure is in the log as long as it is within
		// Stuffing.Window of its newest attempt).
		ipLog, err := d.read(ctx, keyIP+t.ip, from.Add(-c.NameWindow), now, d.cfg.LogLimit)
		if err != nil {
			return nil, err
		}
		ok, fails := false, 0
		for _, r := range ipLog {
			if !r.t.Before(from) {
				ok = ok || r.success
			}
			if !r.success {
				fails++
			}
		}
		if !ok && (mark || fails >= 2 && fails <= 2*c.AttemptsPerIP) {
			named = append(named, t.ip)
		}
	}
	return named, nil
}

// baselines are the learned ratios of one bucket.
type baselines struct {
	idx               int64 // the bucket they were computed in
	failures, unknown float64
}

// baselines returns the baseline ratios for an event at t: computed once
// per bucket (three reads of Baselines+2 buckets) and kept; an older
// event uses the newest ones.
func (d *Detector) baselines(ctx context.Context, t time.Time) (*baselines, error) {
	c := d.cfg.Distributed
	idx := BucketIndex(t, c.Bucket)
	if b := d.base.Load(); b != nil && b.idx >= idx {
		return b, nil
	}
	n := c.Baselines + 2
	var counts [3][]int64
	for i, key := range []string{keyTotal, keyFailures, keyUnknown} {
		v, err := d.w.Add(ctx, key, t, c.Bucket, n, 0)
		if err != nil {
			return nil, err
		}
		if len(v) != n {
			v = make([]int64, n)
		}
		counts[i] = v
	}
	b := &baselines{idx: idx,
		failures: baseline(counts[0][:n-2], counts[1][:n-2], c.BaselineVolume, c.PriorFailureRatio),
		unknown:  baseline(counts[0][:n-2], counts[2][:n-2], c.BaselineVolume, c.PriorNonexistentRatio),
	}
	for {
		cur := d.base.Load()
		if cur != nil && cur.idx >= idx {
			return cur, nil
		}
		if d.base.CompareAndSwap(cur, b) {
			return b, nil
		}
	}
}

// baseline is the median of the ratios part/total of the chunks of ten
// buckets with at least volume attempts, or prior when fewer than two
// chunks have that many.
func baseline(total, part []int64, volume int, prior float64) float64 {
	var ratios []float64
	for end := len(total); end > 0; end -= 10 {
		start := max(0, end-10)
		var t, p int64
		for i := start; i < end; i++ {
			t += total[i]
			p += part[i]
		}
		if t >= int64(volume) {
			ratios = append(ratios, float64(p)/float64(t))
		}
	}
	if len(ratios) < 2 {
		return prior
	}
	sort.Float64s(ratios)
	if len(ratios)%2 == 1 {
		return ratios[len(ratios)/2]
	}
	return (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
}
