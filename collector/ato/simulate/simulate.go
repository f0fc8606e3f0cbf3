// Package simulate generates login traffic in event time — benign users,
// an office behind one NAT address, and account-takeover campaigns (brute
// force, credential stuffing, a compromised account, distributed stuffing
// over residential proxies and rotating IPv6 addresses, a shared account,
// a low-and-slow campaign inside a busy service) — and evaluates the
// detectors of package ato on it: each campaign must be detected within
// 60 s of its start, distributed stuffing must name at least 90% of its
// IPs, and no signal or decision may fall on benign traffic. `rampart
// simulate` prints the result; package atotest runs it in tests.
package simulate

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

// Base is the event time at which generated traffic starts.
var Base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Traffic is generated login traffic in event time: benign users (each
// from a home address, some mistyping first), an office behind one NAT
// address, and campaigns, each with the IPs and users it owns.
type Traffic struct {
	// Events are in time order.
	Events []*event.Event
	// BenignIPs are the addresses of benign users (the office NAT among
	// them): no signal may name them.
	BenignIPs map[string]bool
	Campaigns []*Campaign
}

// Campaign is one attack in a Traffic.
type Campaign struct {
	Name string
	// Want is the signal type that must detect it.
	Want string
	// Start is its first attempt.
	Start time.Time
	// IPs are its IP groups (IPv6 by /64).
	IPs map[string]bool
	// User is the account it is about, for single-account campaigns.
	User string
}

func (tr *Traffic) add(typ string, at time.Time, ip, id, login string, exists *bool) {
	tr.Events = append(tr.Events, &event.Event{Type: typ, Time: at, IP: ip, Usr: &event.User{ID: id, Login: login, Exists: exists}})
}

func home(i int) string  { return fmt.Sprintf("198.18.%d.%d", i/250%256, i%250+1) }
func login(i int) string { return fmt.Sprintf("user%d@shop.example", i) }

// benign adds benign users' logins between start and end, one every
// [minGap, maxGap): each user logs in from a home address; 8% mistype the
// password once, 1% twice, 1% the login, then succeed a few seconds later.
func (tr *Traffic) benign(r *rand.Rand, start, end time.Time, users int, minGap, maxGap time.Duration) {
	yes, no := true, false
	for at := start; at.Before(end); at = at.Add(minGap + time.Duration(r.Int64N(int64(maxGap-minGap)))) {
		u := r.IntN(users)
		ip := home(u)
		tr.BenignIPs[ip] = true
		next := at
		switch p := r.Float64(); {
		case p < 0.01:
			tr.add(event.TypeLoginFailure, next, ip, "", "usr"+login(u)[4:], &no)
			next = next.Add(time.Duration(3+r.IntN(10)) * time.Second)
		case p < 0.02:
			tr.add(event.TypeLoginFailure, next, ip, "", login(u), &yes)
			next = next.Add(time.Duration(3+r.IntN(10)) * time.Second)
			tr.add(event.TypeLoginFailure, next, ip, "", login(u), &yes)
			next = next.Add(time.Duration(3+r.IntN(10)) * time.Second)
		case p < 0.10:
			tr.add(event.TypeLoginFailure, next, ip, "", login(u), &yes)
			next = next.Add(time.Duration(3+r.IntN(10)) * time.Second)
		}
		tr.add(event.TypeLoginSuccess, next, ip, fmt.Sprint("id", u), login(u), nil)
	}
}

// GenerateBusy builds two hours of a busy service — 50,000 users, about
// ten logins a second — with one low-and-slow distributed stuffing
// campaign from the 70th minute: 500 IPs trying three credentials each
// over 30 minutes (under one attempt a second in all, 60% of them on
// logins that do not exist), a few percent of the traffic.
func GenerateBusy(seed uint64) *Traffic {
	start := Base
	yes, no := true, false
	r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	tr := &Traffic{BenignIPs: map[string]bool{}}
	const users = 50_000
	end := start.Add(2 * time.Hour)
	tr.benign(r, start, end, users, 20*time.Millisecond, 180*time.Millisecond)
	ds := &Campaign{Name: "slow distributed", Want: ato.TypeDistributed, Start: end, IPs: map[string]bool{}}
	tr.Campaigns = append(tr.Campaigns, ds)
	from := start.Add(70 * time.Minute)
	for p := range 500 {
		ip := fmt.Sprintf("100.%d.%d.%d", 64+p/4000, p/250%16, p%250+1)
		ds.IPs[ip] = true
		for range 3 {
			at := from.Add(time.Duration(r.Int64N(int64(30 * time.Minute))))
			if at.Before(ds.Start) {
				ds.Start = at
			}
			if r.Float64() < 0.6 {
				tr.add(event.TypeLoginFailure, at, ip, "", fmt.Sprintf("combo%d@mail.example", r.IntN(1_000_000)), &no)
			} else {
				tr.add(event.TypeLoginFailure, at, ip, "", login(r.IntN(users)), &yes)
			}
		}
	}
	sort.SliceStable(tr.Events, func(i, j int) bool { return tr.Events[i].Time.Before(tr.Events[j].Time) })
	return tr
}

// Distributed describes a distributed credential-stuffing campaign for
// GenerateDistributed: IPs addresses trying MinAttempts to MaxAttempts
// credentials each at random times over Span, UnknownShare of them on
// logins that do not exist, from the 60th minute of 90 of benign traffic
// by Users users (one login every 100 to 900 ms at Busy 1, Busy times as
// often at higher values).
type Distributed struct {
	IPs                      int
	MinAttempts, MaxAttempts int
	Span                     time.Duration
	UnknownShare             float64
	Users                    int
	Busy                     int
}

// GenerateDistributed builds the traffic of one Distributed campaign over
// benign traffic; the campaign's addresses are in 198.19.0.0/16 and the
// benign users' in 198.18.0.0/16.
func GenerateDistributed(seed uint64, c Distributed) *Traffic {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tr := &Traffic{BenignIPs: map[string]bool{}}
	start := Base
	end := start.Add(90 * time.Minute)
	busy := time.Duration(max(c.Busy, 1))
	tr.benign(r, start, end, c.Users, 100*time.Millisecond/busy, 900*time.Millisecond/busy)
	yes, no := true, false
	ds := &Campaign{Name: fmt.Sprintf("distributed %d IPs x %d-%d over %v", c.IPs, c.MinAttempts, c.MaxAttempts, c.Span),
		Want: ato.TypeDistributed, Start: end, IPs: map[string]bool{}}
	tr.Campaigns = append(tr.Campaigns, ds)
	from := start.Add(60 * time.Minute)
	for p := range c.IPs {
		ip := fmt.Sprintf("198.19.%d.%d", p/250%256, p%250+1)
		ds.IPs[ip] = true
		for range c.MinAttempts + r.IntN(c.MaxAttempts-c.MinAttempts+1) {
			at := from.Add(time.Duration(r.Int64N(int64(c.Span))))
			if at.Before(ds.Start) {
				ds.Start = at
			}
			if r.Float64() < c.UnknownShare {
				tr.add(event.TypeLoginFailure, at, ip, "", fmt.Sprintf("combo%d@mail.example", r.IntN(1_000_000)), &no)
			} else {
				tr.add(event.TypeLoginFailure, at, ip, "", login(r.IntN(c.Users)), &yes)
			}
		}
	}
	sort.SliceStable(tr.Events, func(i, j int) bool { return tr.Events[i].Time.Before(tr.Events[j].Time) })
	return tr
}

// Generate builds two hours of traffic: one hour of benign traffic only
// (the detectors learn their baseline), then the campaigns over the
// benign traffic that goes on.
func Generate(seed uint64) *Traffic {
	start := Base
	yes, no := true, false
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tr := &Traffic{BenignIPs: map[string]bool{}}
	const users = 3000
	end := start.Add(2 * time.Hour)

	// benign users: about one login every 1.5 s
	tr.benign(r, start, end, users, 500*time.Millisecond, 2500*time.Millisecond)
	// an office of 200 people behind one NAT address, logging in over the
	// morning, mostly successfully
	office := "192.0.2.10"
	tr.BenignIPs[office] = true
	for i := range 200 {
		at := start.Add(time.Duration(r.IntN(7200)) * time.Second)
		l := fmt.Sprintf("staff%d@corp.example", i)
		if r.Float64() < 0.1 {
			tr.add(event.TypeLoginFailure, at, office, "", l, &yes)
			at = at.Add(5 * time.Second)
		}
		tr.add(event.TypeLoginSuccess, at, office, fmt.Sprint("staff", i), l, nil)
	}

	attack := start.Add(70 * time.Minute)
	newCampaign := func(name, want string, start time.Time) *Campaign {
		c := &Campaign{Name: name, Want: want, Start: start, IPs: map[string]bool{}}
		tr.Campaigns = append(tr.Campaigns, c)
		return c
	}

	// brute force: one IP, one account, a guess every 4 s
	bf := newCampaign("brute force", ato.TypeBruteForce, attack)
	bf.User = login(17)
	bf.IPs["45.155.205.3"] = true
	for i := range 60 {
		tr.add(event.TypeLoginFailure, attack.Add(time.Duration(i)*4*time.Second), "45.155.205.3", "", login(17), &yes)
	}

	// single-source stuffing: a list of 400 credentials, 60% of them for
	// accounts that do not exist, one every 1.5 s; the list holds the real
	// password of one user, whose login succeeds from the stuffer's IP
	cs := newCampaign("credential stuffing", ato.TypeCredentialStuffing, attack.Add(5*time.Minute))
	cs.IPs["203.0.113.66"] = true
	for i := range 400 {
		at := cs.Start.Add(time.Duration(i) * 1500 * time.Millisecond)
		if i == 150 {
			tr.add(event.TypeLoginSuccess, at, "203.0.113.66", "id42", login(42), nil)
			continue
		}
		if r.Float64() < 0.6 {
			tr.add(event.TypeLoginFailure, at, "203.0.113.66", "", fmt.Sprintf("leak%d@mail.example", i), &no)
		} else {
			tr.add(event.TypeLoginFailure, at, "203.0.113.66", "", login(r.IntN(users)), &yes)
		}
	}
	ato1 := newCampaign("compromised account", ato.TypeAccountTakeover, cs.Start.Add(150*1500*time.Millisecond))
	ato1.User = login(42)
	ato1.IPs["203.0.113.66"] = true

	// low-and-slow distributed stuffing: 600 residential proxies, each
	// trying two or three credentials over 15 minutes; with rotation of
	// IPv6 addresses inside ten /64s
	ds := newCampaign("distributed stuffing", ato.TypeDistributed, attack.Add(20*time.Minute))
	for p := range 600 {
		ip := fmt.Sprintf("100.%d.%d.%d", 64+p/4000, p/250%16, p%250+1)
		n := 2 + r.IntN(2)
		for range n {
			at := ds.Start.Add(time.Duration(r.IntN(15*60_000)) * time.Millisecond)
			if p%60 == 0 { // ten /64s, a fresh address every time
				ip = fmt.Sprintf("2001:db8:%x:1:%x:%x::1", p, r.IntN(1<<16), r.IntN(1<<16))
			}
			if r.Float64() < 0.6 {
				tr.add(event.TypeLoginFailure, at, ip, "", fmt.Sprintf("combo%d@mail.example", r.IntN(1_000_000)), &no)
			} else {
				tr.add(event.TypeLoginFailure, at, ip, "", login(r.IntN(users)), &yes)
			}
			if p%60 == 0 {
				ds.IPs[fmt.Sprintf("2001:db8:%x:1::/64", p)] = true
			} else {
				ds.IPs[ip] = true
			}
		}
	}
	// the earliest attempt is the campaign's start
	first := end
	for _, ev := range tr.Events {
		if ds.IPs[ev.IP] || ds.IPs[prefix64(ev.IP)] {
			if ev.Time.Before(first) {
				first = ev.Time
			}
		}
	}
	ds.Start = first

	// a shared account: one login used by a team from six offices
	sh := newCampaign("shared account", ato.TypeLoginVelocity, attack.Add(40*time.Minute))
	sh.User = "team@shop.example"
	for i := range 6 {
		ip := fmt.Sprintf("81.2.69.%d", 10+i)
		sh.IPs[ip] = true
		tr.add(event.TypeLoginSuccess, sh.Start.Add(time.Duration(i)*10*time.Second), ip, "team", sh.User, nil)
	}

	sort.SliceStable(tr.Events, func(i, j int) bool { return tr.Events[i].Time.Before(tr.Events[j].Time) })
	return tr
}

func prefix64(ip string) string {
	var a, b int
	if n, _ := fmt.Sscanf(ip, "2001:db8:%x:%x:", &a, &b); n == 2 {
		return fmt.Sprintf("2001:db8:%x:%x::/64", a, b)
	}
	return ""
}

// Detection is how a campaign was detected.
type Detection struct {
	Campaign *Campaign
	// Signal is the first signal of the campaign's type about it, nil when
	// it was not detected.
	Signal *Signal
	// Named is the union of its IPs named by its signals.
	Named map[string]bool
	// Decisions is the number of decisions the default policy makes for
	// Signal.
	Decisions int
}

// Signal is an ato.Signal, as a Detection holds it.
type Signal = ato.Signal

// Result is the outcome of Evaluate.
type Result struct {
	// Events is the number of events fed, in Elapsed.
	Events  int
	Elapsed time.Duration
	// Signals is the number of signals the detectors emitted.
	Signals    int
	Detections []Detection
	// Problems lists every failed expectation; none means the detectors
	// passed.
	Problems []string
}

// Limits of Evaluate's expectations.
const (
	// MaxDetectionDelay is the longest a campaign may go undetected, in
	// event time from its first attempt.
	MaxDetectionDelay = 60 * time.Second
	// MinNamedShare is the share of a distributed campaign's IPs its
	// signals must name.
	MinNamedShare = 0.9
)

// DetectionDelay is the event time from the campaign's start to its first
// signal (0 when it was not detected).
func (d *Detection) DetectionDelay() time.Duration {
	if d.Signal == nil {
		return 0
	}
	return d.Signal.DetectedAt.Sub(d.Campaign.Start)
}

// Evaluate feeds tr's events, in order, to observe (one detector, or
// several sharing a Window) and checks the signals against the campaigns:
// every campaign detected within MaxDetectionDelay of its start,
// distributed stuffing naming at least MinNamedShare of its IPs, every
// signal about a campaign, and no signal or decision of the default policy
// naming a benign IP. An error from observe stops it.
func Evaluate(tr *Traffic, observe func(*event.Event) ([]ato.Signal, error)) (*Result, error) {
	var all []ato.Signal
	start := time.Now()
	for _, ev := range tr.Events {
		sigs, err := observe(ev)
		if err != nil {
			return nil, err
		}
		all = append(all, sigs...)
	}
	return check(tr, all, time.Since(start)), nil
}

// DefaultSkew is EvaluateConcurrent's bound on how far, in event time,
// one collector runs ahead of the others: the delivery delay between the
// collectors of a fleet (a function hands its events over at the end of
// each invocation, the extension forwards them at the next one).
const DefaultSkew = 2 * time.Second

// EvaluateConcurrent deals tr's events round-robin to observers, as a load
// balancer deals requests to collectors, each observer run by a goroutine
// of its own over its share in order, all at once; no goroutine runs more
// than skew of event time ahead of the slowest (DefaultSkew when skew is
// 0), as collectors receiving traffic at the same wall time do. It checks
// the signals as Evaluate does (in the order of their detection times).
// The first error stops it.
func EvaluateConcurrent(tr *Traffic, observers []func(*event.Event) ([]ato.Signal, error), skew time.Duration) (*Result, error) {
	if skew <= 0 {
		skew = DefaultSkew
	}
	n := len(observers)
	shares := make([][]*event.Event, n)
	for i, ev := range tr.Events {
		shares[i%n] = append(shares[i%n], ev)
	}
	clock := newLockstep(n, skew)
	var mu sync.Mutex
	var all []ato.Signal
	var first error
	var wg sync.WaitGroup
	start := time.Now()
	for i, observe := range observers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer clock.done(i)
			for _, ev := range shares[i] {
				if !clock.wait(i, ev.Time) {
					return
				}
				sigs, err := observe(ev)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				all = append(all, sigs...)
				stop := first != nil
				mu.Unlock()
				if stop {
					clock.stop()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].DetectedAt.Before(all[j].DetectedAt) })
	return check(tr, all, time.Since(start)), nil
}

// lockstep keeps n goroutines walking event time within skew of each
// other: each publishes the time of the event it is at, and waits while
// that is more than skew past the slowest one's.
type lockstep struct {
	mu      sync.Mutex
	cond    *sync.Cond
	at      []time.Time
	over    []bool
	skew    time.Duration
	stopped bool
}

func newLockstep(n int, skew time.Duration) *lockstep {
	l := &lockstep{at: make([]time.Time, n), over: make([]bool, n), skew: skew}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// slowest returns the earliest time of the goroutines still walking (ok
// false when none is).
func (l *lockstep) slowest() (time.Time, bool) {
	var min time.Time
	ok := false
	for i, t := range l.at {
		if !l.over[i] && (!ok || t.Before(min)) {
			min, ok = t, true
		}
	}
	return min, ok
}

// wait publishes that goroutine i is at t and returns once t is within
// skew of the slowest goroutine; false when the walk was stopped.
func (l *lockstep) wait(i int, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at[i] = t
	l.cond.Broadcast()
	for !l.stopped {
		min, _ := l.slowest()
		if !t.After(min.Add(l.skew)) {
			return true
		}
		l.cond.Wait()
	}
	return false
}

// done says that goroutine i has walked its share.
func (l *lockstep) done(i int) {
	l.mu.Lock()
	l.over[i] = true
	l.cond.Broadcast()
	l.mu.Unlock()
}

// stop ends the walk of every goroutine.
func (l *lockstep) stop() {
	l.mu.Lock()
	l.stopped = true
	l.cond.Broadcast()
	l.mu.Unlock()
}

// check compares the signals all with tr's campaigns (see Evaluate).
func check(tr *Traffic, all []ato.Signal, elapsed time.Duration) *Result {
	var pol ato.Policy
	res := &Result{Events: len(tr.Events), Elapsed: elapsed, Signals: len(all)}
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	dets := make([]Detection, len(tr.Campaigns))
	for i, c := range tr.Campaigns {
		dets[i] = Detection{Campaign: c, Named: map[string]bool{}}
	}
	for _, s := range all {
		if s.FirstSeen.IsZero() || s.LastSeen.Before(s.FirstSeen) || s.LastSeen.After(s.DetectedAt) {
			problem("%s signal with first seen %v, last seen %v, detected at %v", s.Type, s.FirstSeen, s.LastSeen, s.DetectedAt)
		}
		matched := false
		for i, c := range tr.Campaigns {
			if s.Type != c.Want {
				continue
			}
			hit := false
			for _, ip := range s.IPs {
				hit = hit || c.IPs[ip]
			}
			for _, u := range s.Users {
				hit = hit || (c.User != "" && u.Login == c.User)
			}
			// the first emission of distributed stuffing may name no IP yet
			hit = hit || (s.Type == ato.TypeDistributed && len(s.IPs) == 0 && !s.DetectedAt.Before(c.Start))
			if !hit {
				continue
			}
			matched = true
			if dets[i].Signal == nil {
				s := s
				dets[i].Signal = &s
				dets[i].Decisions = len(pol.Respond(s))
			}
			for _, ip := range s.IPs {
				if c.IPs[ip] {
					dets[i].Named[ip] = true
				}
			}
		}
		for _, ip := range s.IPs {
			if tr.BenignIPs[ip] {
				problem("%s signal names the benign IP %s: %s", s.Type, ip, s.Reason)
			}
		}
		for _, dec := range pol.Respond(s) {
			if (dec.Kind == ato.BlockIP || dec.Kind == ato.ChallengeIP) && tr.BenignIPs[dec.Value] {
				problem("decision %s on the benign IP %s", dec.Kind, dec.Value)
			}
		}
		if !matched {
			problem("false signal %s (key %s): %s; ips %v users %+v", s.Type, s.Key, s.Reason, s.IPs, s.Users)
		}
	}
	for i := range dets {
		d := &dets[i]
		c := d.Campaign
		if d.Signal == nil {
			problem("%s: not detected", c.Name)
			continue
		}
		if ttd := d.DetectionDelay(); ttd > MaxDetectionDelay || ttd < 0 {
			problem("%s: detected %v after its start, want within %v", c.Name, ttd, MaxDetectionDelay)
		}
		if c.Want == ato.TypeDistributed && float64(len(d.Named)) < MinNamedShare*float64(len(c.IPs)) {
			problem("%s: %d of %d IPs named, want at least %.0f%%", c.Name, len(d.Named), len(c.IPs), 100*MinNamedShare)
		}
	}
	res.Detections = dets
	return res
}
