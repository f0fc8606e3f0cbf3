package ato_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

var (
	yes = true
	no  = false
)

// feed drives a Detector in event time and keeps the signals.
type feed struct {
	t    *testing.T
	d    *ato.Detector
	sigs []ato.Signal
}

func newFeed(t *testing.T, cfg ato.Config) *feed {
	return &feed{t: t, d: ato.New(cfg, nil)}
}

func (f *feed) observe(ev *event.Event) []ato.Signal {
	f.t.Helper()
	s, err := f.d.Observe(context.Background(), ev)
	if err != nil {
		f.t.Fatalf("Observe: %v", err)
	}
	f.sigs = append(f.sigs, s...)
	return s
}

func (f *feed) fail(at time.Duration, ip, login string, exists *bool) []ato.Signal {
	f.t.Helper()
	return f.observe(&event.Event{Type: event.TypeLoginFailure, Time: t0.Add(at), IP: ip, Usr: &event.User{Login: login, Exists: exists}})
}

func (f *feed) ok(at time.Duration, ip, id, login string) []ato.Signal {
	f.t.Helper()
	return f.observe(&event.Event{Type: event.TypeLoginSuccess, Time: t0.Add(at), IP: ip, Usr: &event.User{ID: id, Login: login}})
}

func (f *feed) ofType(typ string) []ato.Signal {
	var out []ato.Signal
	for _, s := range f.sigs {
		if s.Type == typ {
			out = append(out, s)
		}
	}
	return out
}

func types(sigs []ato.Signal) []string {
	var out []string
	for _, s := range sigs {
		out = append(out, s.Type)
	}
	return out
}

func TestBruteForce(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 9 {
		if s := f.fail(time.Duration(i)*20*time.Second, "198.51.100.7", "alice", &yes); len(s) != 0 {
			t.Fatalf("failure %d: signal %v before the threshold", i+1, types(s))
		}
	}
	s := f.fail(200*time.Second, "198.51.100.7", "Alice", &yes) // case folded: same account
	if len(s) != 1 || s[0].Type != ato.TypeBruteForce {
		t.Fatalf("10th failure: got %v, want brute_force", types(s))
	}
	bf := s[0]
	if bf.Key != "brute_force:account:alice" || bf.Severity != ato.SeverityHigh || bf.Failures != 10 || bf.Count != 10 {
		t.Errorf("signal: %+v", bf)
	}
	if !slices.Equal(bf.IPs, []string{"198.51.100.7"}) || len(bf.Users) != 1 || bf.Users[0].Exists == nil || !*bf.Users[0].Exists {
		t.Errorf("ips %v users %+v", bf.IPs, bf.Users)
	}
	if !bf.FirstSeen.Equal(t0) || !bf.LastSeen.Equal(t0.Add(200*time.Second)) || !bf.DetectedAt.Equal(bf.LastSeen) || len(bf.Timeline) != 10 {
		t.Errorf("times %v %v %v, timeline %d", bf.FirstSeen, bf.LastSeen, bf.DetectedAt, len(bf.Timeline))
	}
	// within the cooldown: no second emission
	if s := f.fail(205*time.Second, "198.51.100.7", "alice", &yes); len(s) != 0 {
		t.Fatalf("within the cooldown: %v", types(s))
	}
	// after it: an update with the same key
	s = f.fail(5*time.Minute, "198.51.100.8", "alice", &yes)
	if len(s) != 1 || s[0].Key != bf.Key || s[0].Failures != 12 || len(s[0].IPs) != 2 {
		t.Fatalf("update: %+v", s)
	}
}

func TestBruteForceRunEndsAtSuccess(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 18 {
		if i == 9 {
			f.ok(time.Duration(i)*10*time.Second, "198.51.100.7", "u1", "bob")
			continue
		}
		f.fail(time.Duration(i)*10*time.Second, "198.51.100.7", "bob", &yes)
	}
	if got := f.ofType(ato.TypeBruteForce); len(got) != 0 {
		t.Fatalf("9 + 8 failures around a success: %+v", got)
	}
	// failures spread beyond the window do not add up either
	g := newFeed(t, ato.Config{})
	for i := range 19 {
		g.fail(time.Duration(i)*3*time.Minute, "198.51.100.7", "carol", &yes)
	}
	if got := g.ofType(ato.TypeBruteForce); len(got) != 0 {
		t.Fatalf("one failure every 3 minutes (4 per window, 19 per hour): %+v", got)
	}
}

// TestSlowBruteForce: one guess every 3 minutes from rotating IPs stays
// under the 10-minute count and is caught over the hour.
func TestSlowBruteForce(t *testing.T) {
	f := newFeed(t, ato.Config{})
	var got []ato.Signal
	for i := range 25 {
		s := f.fail(time.Duration(i)*3*time.Minute, fmt.Sprintf("203.0.113.%d", i+1), "erin", &yes)
		if len(s) > 0 && got == nil {
			got = s
			if i != 19 {
				t.Errorf("detected at failure %d, want 20", i+1)
			}
		}
	}
	if len(got) != 1 || got[0].Type != ato.TypeBruteForce || got[0].Metrics["slow"] != 1 || len(got[0].IPs) != 20 {
		t.Fatalf("slow brute force: %+v", got)
	}
}

// officeNAT sends n users logging in successfully from ip, from offset at.
func officeNAT(f *feed, at time.Duration, ip string, n int) {
	for i := range n {
		f.ok(at+time.Duration(i)*time.Second, ip, fmt.Sprint("emp", i), fmt.Sprintf("emp%d@corp.example", i))
	}
}

func TestBruteForceSparesSharedAddress(t *testing.T) {
	f := newFeed(t, ato.Config{})
	officeNAT(f, 0, "192.0.2.10", 40)
	for i := range 12 {
		f.fail(time.Minute+time.Duration(i)*5*time.Second, "192.0.2.10", "forgetful@corp.example", &yes)
	}
	got := f.ofType(ato.TypeBruteForce)
	if len(got) == 0 {
		t.Fatal("12 failures on one account: no brute_force")
	}
	if len(got[0].IPs) != 0 || got[0].Metrics["shared_ips"] != 1 {
		t.Fatalf("the office NAT is named: %+v", got[0])
	}
	var p ato.Policy
	for _, d := range p.Respond(got[0]) {
		if d.Kind == ato.BlockIP {
			t.Fatalf("decision blocks the office: %+v", d)
		}
	}
	if n := len(f.ofType(ato.TypeCredentialStuffing)); n != 0 {
		t.Fatalf("office NAT: %d credential_stuffing signals", n)
	}
}

func TestCredentialStuffing(t *testing.T) {
	f := newFeed(t, ato.Config{})
	var first []ato.Signal
	for i := range 30 {
		exists := &no
		if i%3 == 0 {
			exists = &yes
		}
		s := f.fail(time.Duration(i)*3*time.Second, "203.0.113.66", fmt.Sprintf("user%d@mail.example", i), exists)
		if len(s) > 0 && first == nil {
			first = s
			if i != 7 { // the 5th unknown account is the 8th attempt
				t.Errorf("detected at attempt %d, want 8 (5 unknown logins)", i+1)
			}
		}
	}
	cs := f.ofType(ato.TypeCredentialStuffing)
	if len(cs) == 0 {
		t.Fatal("no credential_stuffing")
	}
	s := cs[len(cs)-1]
	if !slices.Equal(s.IPs, []string{"203.0.113.66"}) || s.Key != "credential_stuffing:ip:203.0.113.66" {
		t.Fatalf("signal: %+v", s)
	}
	if len(s.Users) < 10 || s.Users[0].Exists == nil || !*s.Users[0].Exists {
		t.Fatalf("users (existing first): %+v", s.Users)
	}
	var p ato.Policy
	ds := p.Respond(s)
	var blocks, challenges int
	for _, d := range ds {
		switch d.Kind {
		case ato.BlockIP:
			blocks++
			if d.Value != "203.0.113.66" || d.Duration != 4*time.Hour {
				t.Errorf("block: %+v", d)
			}
		case ato.ChallengeUser:
			challenges++
			if d.Value == "" || d.SignalKey != s.Key {
				t.Errorf("challenge: %+v", d)
			}
		}
	}
	if blocks != 1 || challenges == 0 {
		t.Fatalf("decisions %+v", ds)
	}
	for _, d := range ds {
		for _, u := range s.Users {
			if d.Kind == ato.ChallengeUser && u.Login == d.Value && !*u.Exists {
				t.Fatalf("challenge of an account that does not exist: %+v", d)
			}
		}
	}
}

func TestOfficeNATIsNotStuffing(t *testing.T) {
	f := newFeed(t, ato.Config{})
	// 300 employees behind one address; one in ten mistypes first
	for i := range 300 {
		at := time.Duration(i) * 2 * time.Second
		login := fmt.Sprintf("emp%d@corp.example", i)
		if i%10 == 0 {
			f.fail(at, "192.0.2.10", login, &yes)
		}
		if i%37 == 0 {
			f.fail(at, "192.0.2.10", "typo"+login, &no)
		}
		f.ok(at+time.Second, "192.0.2.10", fmt.Sprint("id", i), login)
	}
	if len(f.sigs) != 0 {
		t.Fatalf("office NAT raised %v", types(f.sigs))
	}
}

func TestIPv6RotationGrouped(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 12 {
		f.fail(time.Duration(i)*time.Second, fmt.Sprintf("2001:db8:7:9:%x::1", i+1), fmt.Sprint("victim", i), &yes)
	}
	cs := f.ofType(ato.TypeCredentialStuffing)
	if len(cs) != 1 || !slices.Equal(cs[0].IPs, []string{"2001:db8:7:9::/64"}) {
		t.Fatalf("rotation within one /64: %+v", cs)
	}
	// a /48 when configured
	g := newFeed(t, ato.Config{IPv6Prefix: 48})
	for i := range 12 {
		g.fail(time.Duration(i)*time.Second, fmt.Sprintf("2001:db8:7:%x::1", i+1), fmt.Sprint("victim", i), &yes)
	}
	if cs := g.ofType(ato.TypeCredentialStuffing); len(cs) != 1 || cs[0].IPs[0] != "2001:db8:7::/48" {
		t.Fatalf("IPv6Prefix 48: %+v", cs)
	}
}

func TestAccountTakeoverAfterFailures(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 4 {
		f.fail(time.Duration(i)*time.Minute, "198.51.100.20", "dave", &yes)
	}
	if s := f.ok(5*time.Minute, "198.51.100.20", "u-dave", "dave"); len(s) != 0 {
		t.Fatalf("success after 4 failures: %v", types(s))
	}
	for i := range 6 {
		f.fail(10*time.Minute+time.Duration(i)*time.Minute, "198.51.100.21", "dave", &yes)
	}
	s := f.ok(20*time.Minute, "198.51.100.21", "u-dave", "dave")
	if len(s) != 1 || s[0].Type != ato.TypeAccountTakeover {
		t.Fatalf("success after 6 failures: %v", types(s))
	}
	a := s[0]
	if a.Severity != ato.SeverityCritical || a.Users[0].ID != "u-dave" || a.Metrics["failures_before"] != 6 || a.Count != 7 || a.Failures != 6 {
		t.Fatalf("signal %+v", a)
	}
	var p ato.Policy
	ds := p.Respond(a)
	if len(ds) != 1 || ds[0].Kind != ato.ChallengeUser || ds[0].Value != "u-dave" || ds[0].Duration != 24*time.Hour {
		t.Fatalf("decisions %+v", ds)
	}
}

func TestAccountTakeoverFromCampaignIP(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 12 {
		f.fail(time.Duration(i)*time.Second, "203.0.113.99", fmt.Sprint("list", i), &no)
	}
	if len(f.ofType(ato.TypeCredentialStuffing)) != 1 {
		t.Fatal("stuffing not detected")
	}
	s := f.ok(30*time.Second, "203.0.113.99", "u-erin", "erin")
	if len(s) != 1 || s[0].Type != ato.TypeAccountTakeover || s[0].Metrics["campaign_ip"] != 1 {
		t.Fatalf("success from a stuffing IP: %+v", s)
	}
	// the same success from another IP is fine
	if s := f.ok(31*time.Second, "198.51.100.1", "u-frank", "frank"); len(s) != 0 {
		t.Fatalf("success from a clean IP: %v", types(s))
	}
}

func TestLoginVelocity(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for i := range 4 {
		f.ok(time.Duration(i)*time.Minute, fmt.Sprint("198.51.100.", 30+i), "u-team", "team@corp.example")
	}
	if len(f.sigs) != 0 {
		t.Fatalf("4 IPs: %v", types(f.sigs))
	}
	s := f.ok(5*time.Minute, "198.51.100.40", "u-team", "team@corp.example")
	if len(s) != 1 || s[0].Type != ato.TypeLoginVelocity || len(s[0].IPs) != 5 {
		t.Fatalf("5 IPs in 5 minutes: %+v", s)
	}
	// the same user from one IP all day is fine
	g := newFeed(t, ato.Config{})
	for i := range 50 {
		g.ok(time.Duration(i)*time.Minute, "198.51.100.30", "u1", "one")
	}
	if len(g.sigs) != 0 {
		t.Fatalf("one IP: %v", types(g.sigs))
	}
}

func TestIgnoredEvents(t *testing.T) {
	f := newFeed(t, ato.Config{})
	for _, ev := range []*event.Event{
		nil,
		{Type: event.TypeSignup, Time: t0, IP: "192.0.2.1"},
		{Type: event.TypeAttack, Time: t0},
		{Type: event.TypeLoginFailure, IP: "192.0.2.1", Usr: &event.User{Login: "x"}}, // no time
		{Type: event.TypeLoginFailure, Time: t0, IP: "not an ip"},                     // nothing to count
	} {
		f.observe(ev)
	}
	if len(f.sigs) != 0 {
		t.Fatal(types(f.sigs))
	}
}

func TestHorizon(t *testing.T) {
	f := newFeed(t, ato.Config{Horizon: 30 * time.Minute})
	f.ok(2*time.Hour, "192.0.2.1", "u", "u") // the newest event seen
	for i := range 15 {
		f.fail(time.Duration(i)*time.Second, "198.51.100.7", "old", &yes)
	}
	if len(f.sigs) != 0 {
		t.Fatalf("events 2h before the newest: %v", types(f.sigs))
	}
}

func TestPolicyConfig(t *testing.T) {
	s := ato.Signal{Type: ato.TypeBruteForce, Key: "k", IPs: []string{"192.0.2.1", "2001:db8::/64"},
		Users: []ato.User{{ID: "u1", Exists: &yes}, {Login: "ghost", Exists: &no}, {Login: "maybe"}}}
	p := ato.Policy{Responses: map[string][]ato.Response{
		ato.TypeBruteForce: {{Kind: ato.ChallengeIP, Duration: time.Minute}, {Kind: ato.BlockUser, Duration: time.Hour}},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range p.Respond(s) {
		got = append(got, d.Kind+" "+d.Value+" "+d.Duration.String())
	}
	want := []string{"challenge_ip 192.0.2.1 1m0s", "challenge_ip 2001:db8::/64 1m0s", "block_user u1 1h0m0s", "block_user maybe 1h0m0s"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// a type mapped to nothing gets nothing; others keep the defaults
	p.Responses[ato.TypeBruteForce] = nil
	if ds := p.Respond(s); len(ds) != 0 {
		t.Fatalf("disabled type: %+v", ds)
	}
	if ds := p.Respond(ato.Signal{Type: ato.TypeLoginVelocity, Users: []ato.User{{ID: "u"}}}); len(ds) != 1 || ds[0].Kind != ato.ChallengeUser {
		t.Fatalf("default for login_velocity: %+v", ds)
	}
	bad := ato.Policy{Responses: map[string][]ato.Response{ato.TypeBruteForce: {{Kind: "ban", Duration: time.Hour}}}}
	if bad.Validate() == nil {
		t.Fatal("unknown kind accepted")
	}
	bad = ato.Policy{Responses: map[string][]ato.Response{ato.TypeBruteForce: {{Kind: ato.BlockIP}}}}
	if bad.Validate() == nil {
		t.Fatal("zero duration accepted")
	}
}

// TestReplayAndNewCounts: a key emitted again after its cooldown counts
// only the attempts the earlier emission did not (a stored signal's count
// used to add each emission's whole window); and events observed again in
// a replay (a collector replica killed between the detectors and the
// store) emit their signal once more, although the cooldown says it was
// emitted already.
func TestReplayAndNewCounts(t *testing.T) {
	w := ato.NewMemory(ato.MemoryConfig{})
	d := ato.New(ato.Config{}, w)
	var evs []*event.Event
	for i := range 14 {
		// 14 distinct logins over two cooldown buckets.
		evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Time: t0.Add(50*time.Second + time.Duration(i)*time.Second),
			IP: "198.51.100.9", Usr: &event.User{Login: fmt.Sprint("u", i), Exists: &yes}})
	}
	var got []ato.Signal
	for _, ev := range evs {
		s, err := d.Observe(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range s {
			if x.Type == ato.TypeCredentialStuffing {
				got = append(got, x)
			}
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d credential_stuffing emissions, want 2 (one per cooldown bucket)", len(got))
	}
	if got[0].New != 10 || got[1].Count <= 10 || got[0].New+got[1].New != 10+got[1].Count-got[0].Count {
		t.Errorf("emissions count %d/%d new %d/%d; the second should add only its newer attempts", got[0].Count, got[1].Count, got[0].New, got[1].New)
	}
	if sum := got[0].New + got[1].New; sum > len(evs) {
		t.Errorf("the emissions add up to %d attempts for %d made", sum, len(evs))
	}

	// The signals were lost on the way to the store: the same events are
	// observed again, by a detector on the same shared windows.
	d2 := ato.New(ato.Config{}, w)
	quiet := 0
	for _, ev := range evs[9:11] {
		s, _ := d2.Observe(context.Background(), ev)
		quiet += len(s)
	}
	if quiet != 0 {
		t.Fatalf("observed again without a replay: %d signals (the cooldown holds)", quiet)
	}
	ctx := ato.WithReplay(context.Background())
	var again []ato.Signal
	for _, ev := range evs {
		s, err := d2.Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range s {
			if x.Type == ato.TypeCredentialStuffing {
				again = append(again, x)
			}
		}
	}
	if len(again) == 0 || len(again) > 2 {
		t.Fatalf("a replay emitted %d credential_stuffing signals, want the campaign once per bucket", len(again))
	}
}

// TestUpdatesDuringCooldown: with Config.Updates, a campaign that goes on
// after its detection is updated within the cooldown, and the emissions'
// New add up to the attempts made, each counted once: for credential
// stuffing (the IP's attempts) and brute force (the account's failures),
// also across a second cooldown bucket.
func TestUpdatesDuringCooldown(t *testing.T) {
	for _, updates := range []bool{false, true} {
		f := newFeed(t, ato.Config{Updates: updates})
		const stuffing, brute = 150, 90
		for i := range stuffing { // 150 attempts over 75 s: two cooldown buckets
			f.fail(time.Duration(i)*500*time.Millisecond, "203.0.113.66", fmt.Sprintf("user%d@mail.example", i), &no)
		}
		for i := range brute {
			f.fail(10*time.Minute+time.Duration(i)*time.Second, "198.51.100.7", "bob", &yes)
		}
		// Three of the stuffing's attempts arrive late (a function's
		// events handed over at its next invocation, within the IP log the
		// detector keeps): new all the same.
		const late = 3
		for i := range late {
			f.fail(70*time.Second+time.Duration(i)*100*time.Millisecond+50*time.Millisecond, "203.0.113.66", fmt.Sprintf("late%d@mail.example", i), &no)
		}
		for _, c := range []struct {
			typ      string
			attempts int
		}{{ato.TypeCredentialStuffing, stuffing + late}, {ato.TypeBruteForce, brute}} {
			sum, firsts, upd := 0, 0, 0
			for _, s := range f.ofType(c.typ) {
				sum += s.New
				if s.Update {
					upd++
					if s.New == 0 {
						t.Errorf("%s: an update adding nothing", c.typ)
					}
				} else {
					firsts++
				}
			}
			if firsts != 2 {
				t.Errorf("updates %v: %s emitted %d times outside the cooldown, want 2 (updates do not start a cooldown)", updates, c.typ, firsts)
			}
			switch {
			case !updates && upd != 0:
				t.Errorf("%s: %d updates without Config.Updates", c.typ, upd)
			case !updates && sum >= c.attempts:
				t.Errorf("%s: without updates the emissions count %d of %d attempts: the test shows nothing", c.typ, sum, c.attempts)
			case updates && sum != c.attempts:
				t.Errorf("%s: the emissions add up to %d attempts, want the %d made", c.typ, sum, c.attempts)
			}
		}
	}
}
