package ato_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

// traffic is generated login traffic in event time: benign users (each
// from a home address, some mistyping first), an office behind one NAT
// address, and campaigns, each with the IPs and users it owns.
type traffic struct {
	events    []*event.Event
	benignIPs map[string]bool
	campaigns []*campaign
}

type campaign struct {
	name   string
	want   string // the signal type that must detect it
	start  time.Time
	ips    map[string]bool
	user   string // the account it is about, for single-account campaigns
	signal *ato.Signal
	named  map[string]bool // union of the IPs named by its signals
}

func (tr *traffic) add(typ string, at time.Time, ip, id, login string, exists *bool) {
	tr.events = append(tr.events, &event.Event{Type: typ, Time: at, IP: ip, Usr: &event.User{ID: id, Login: login, Exists: exists}})
}

// generate builds two hours of traffic: one hour of benign traffic only
// (the detectors learn their baseline), then the campaigns over the
// benign traffic that goes on.
func generate(seed uint64) *traffic {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tr := &traffic{benignIPs: map[string]bool{}}
	const users = 3000
	home := func(i int) string { return fmt.Sprintf("198.18.%d.%d", i/250, i%250+1) }
	login := func(i int) string { return fmt.Sprintf("user%d@shop.example", i) }
	end := t0.Add(2 * time.Hour)

	// benign users: about one login every 1.5 s; 8% mistype the password
	// once, 1% twice, 1% the login, then succeed a few seconds later
	for at := t0; at.Before(end); at = at.Add(time.Duration(500+r.IntN(2000)) * time.Millisecond) {
		u := r.IntN(users)
		ip := home(u)
		tr.benignIPs[ip] = true
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
	// an office of 200 people behind one NAT address, logging in over the
	// morning, mostly successfully
	office := "192.0.2.10"
	tr.benignIPs[office] = true
	for i := range 200 {
		at := t0.Add(time.Duration(r.IntN(7200)) * time.Second)
		l := fmt.Sprintf("staff%d@corp.example", i)
		if r.Float64() < 0.1 {
			tr.add(event.TypeLoginFailure, at, office, "", l, &yes)
			at = at.Add(5 * time.Second)
		}
		tr.add(event.TypeLoginSuccess, at, office, fmt.Sprint("staff", i), l, nil)
	}

	attack := t0.Add(70 * time.Minute)
	newCampaign := func(name, want string, start time.Time) *campaign {
		c := &campaign{name: name, want: want, start: start, ips: map[string]bool{}, named: map[string]bool{}}
		tr.campaigns = append(tr.campaigns, c)
		return c
	}

	// brute force: one IP, one account, a guess every 4 s
	bf := newCampaign("brute force", ato.TypeBruteForce, attack)
	bf.user = login(17)
	bf.ips["45.155.205.3"] = true
	for i := range 60 {
		tr.add(event.TypeLoginFailure, attack.Add(time.Duration(i)*4*time.Second), "45.155.205.3", "", login(17), &yes)
	}

	// single-source stuffing: a list of 400 credentials, 60% of them for
	// accounts that do not exist, one every 1.5 s; the list holds the real
	// password of one user, whose login succeeds from the stuffer's IP
	cs := newCampaign("credential stuffing", ato.TypeCredentialStuffing, attack.Add(5*time.Minute))
	cs.ips["203.0.113.66"] = true
	for i := range 400 {
		at := cs.start.Add(time.Duration(i) * 1500 * time.Millisecond)
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
	ato1 := newCampaign("compromised account", ato.TypeAccountTakeover, cs.start.Add(150*1500*time.Millisecond))
	ato1.user = login(42)
	ato1.ips["203.0.113.66"] = true

	// low-and-slow distributed stuffing: 600 residential proxies, each
	// trying two or three credentials over 15 minutes; with rotation of
	// IPv6 addresses inside ten /64s
	ds := newCampaign("distributed stuffing", ato.TypeDistributed, attack.Add(20*time.Minute))
	for p := range 600 {
		ip := fmt.Sprintf("100.%d.%d.%d", 64+p/4000, p/250%16, p%250+1)
		n := 2 + r.IntN(2)
		for range n {
			at := ds.start.Add(time.Duration(r.IntN(15*60_000)) * time.Millisecond)
			if p%60 == 0 { // ten /64s, a fresh address every time
				ip = fmt.Sprintf("2001:db8:%x:1:%x:%x::1", p, r.IntN(1<<16), r.IntN(1<<16))
			}
			if r.Float64() < 0.6 {
				tr.add(event.TypeLoginFailure, at, ip, "", fmt.Sprintf("combo%d@mail.example", r.IntN(1_000_000)), &no)
			} else {
				tr.add(event.TypeLoginFailure, at, ip, "", login(r.IntN(users)), &yes)
			}
			if p%60 == 0 {
				ds.ips[fmt.Sprintf("2001:db8:%x:1::/64", p)] = true
			} else {
				ds.ips[ip] = true
			}
		}
	}
	// the earliest attempt is the campaign's start
	first := end
	for _, ev := range tr.events {
		if ds.ips[ev.IP] || ds.ips[prefix64(ev.IP)] {
			if ev.Time.Before(first) {
				first = ev.Time
			}
		}
	}
	ds.start = first

	// a shared account: one login used by a team from six offices
	sh := newCampaign("shared account", ato.TypeLoginVelocity, attack.Add(40*time.Minute))
	sh.user = "team@shop.example"
	for i := range 6 {
		ip := fmt.Sprintf("81.2.69.%d", 10+i)
		sh.ips[ip] = true
		tr.add(event.TypeLoginSuccess, sh.start.Add(time.Duration(i)*10*time.Second), ip, "team", sh.user, nil)
	}

	sort.SliceStable(tr.events, func(i, j int) bool { return tr.events[i].Time.Before(tr.events[j].Time) })
	return tr
}

func prefix64(ip string) string {
	var a, b int
	if n, _ := fmt.Sscanf(ip, "2001:db8:%x:%x:", &a, &b); n == 2 {
		return fmt.Sprintf("2001:db8:%x:%x::/64", a, b)
	}
	return ""
}

// TestGeneratedTraffic runs the generated traffic through a detector and
// checks, per campaign, that its signal comes within 60 s of event time,
// that distributed stuffing names at least 90% of its IPs, and that no
// signal or decision falls on benign users and IPs.
func TestGeneratedTraffic(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { testTraffic(t, seed) })
	}
}

func testTraffic(t *testing.T, seed uint64) {
	tr := generate(seed)
	d := ato.New(ato.Config{}, nil)
	var pol ato.Policy
	ctx := context.Background()
	var all []ato.Signal
	start := time.Now()
	for _, ev := range tr.events {
		sigs, err := d.Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sigs...)
	}
	elapsed := time.Since(start)
	t.Logf("%d events in %v (%.0f events/s), %d signals", len(tr.events), elapsed, float64(len(tr.events))/elapsed.Seconds(), len(all))

	for _, s := range all {
		matched := false
		for _, c := range tr.campaigns {
			if s.Type != c.want {
				continue
			}
			hit := false
			for _, ip := range s.IPs {
				hit = hit || c.ips[ip]
			}
			for _, u := range s.Users {
				hit = hit || (c.user != "" && u.Login == c.user)
			}
			if !hit {
				continue
			}
			matched = true
			if c.signal == nil {
				c.signal = &s
			}
			for _, ip := range s.IPs {
				if c.ips[ip] {
					c.named[ip] = true
				}
			}
		}
		for _, ip := range s.IPs {
			if tr.benignIPs[ip] {
				t.Errorf("%s signal names the benign IP %s: %s", s.Type, ip, s.Reason)
			}
		}
		for _, dec := range pol.Respond(s) {
			if (dec.Kind == ato.BlockIP || dec.Kind == ato.ChallengeIP) && tr.benignIPs[dec.Value] {
				t.Errorf("decision %s on the benign IP %s", dec.Kind, dec.Value)
			}
		}
		if !matched {
			t.Errorf("false signal %s (key %s): %s; ips %v users %+v", s.Type, s.Key, s.Reason, s.IPs, s.Users)
		}
	}
	for _, c := range tr.campaigns {
		if c.signal == nil {
			t.Errorf("%s: not detected", c.name)
			continue
		}
		ttd := c.signal.DetectedAt.Sub(c.start)
		t.Logf("%-20s %-32s detected after %5.1fs, %d/%d IPs named, %d decisions", c.name, c.want, ttd.Seconds(), len(c.named), len(c.ips), len(pol.Respond(*c.signal)))
		if ttd > 60*time.Second || ttd < 0 {
			t.Errorf("%s: detected %v after its start, want within 60s", c.name, ttd)
		}
		if c.want == ato.TypeDistributed && float64(len(c.named)) < 0.9*float64(len(c.ips)) {
			t.Errorf("%s: %d of %d IPs named, want at least 90%%", c.name, len(c.named), len(c.ips))
		}
	}
}
