package collector_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

func atoEnv(t *testing.T, cfg collector.Config) *env {
	t.Helper()
	cfg.Detector = collector.NewATODetector(ato.New(ato.Config{}, ato.NewMemory(ato.MemoryConfig{})), ato.Policy{})
	return newEnv(t, cfg)
}

// bruteForce sends n failed logins for login from ip, as any holder of an
// ingest key can (the events are the sender's word), and waits until the
// detector has recorded their signal (its decisions may follow).
func bruteForce(t *testing.T, e *env, id, ip, login string, n int) {
	t.Helper()
	var evs []*event.Event
	for i := range n {
		ev := storetest.Login(login, ip, i)
		ev.Time = now.Add(time.Duration(i-n) * time.Second)
		evs = append(evs, ev)
	}
	before := e.srv.Stats().Detections.Load()
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, id, evs...)); resp.StatusCode != 202 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.Stats().Detections.Load() == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

func decisions(t *testing.T, e *env) []collector.Decision {
	t.Helper()
	_, b := e.do("GET", "/v1/decisions", adminToken, nil)
	var list collector.DecisionsResponse
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	return list.Decisions
}

// TestForgedEventsCannotBlockProtectedAddresses: eight forged login
// failures used to make the fleet block 127.0.0.1 for hours. Loopback, the
// collector's own and allow-listed addresses are never blocked, private
// ranges not by a detector, and an allow-listed user is never put under
// step-up; a public attacker still is blocked.
func TestForgedEventsCannotBlockProtectedAddresses(t *testing.T) {
	e := atoEnv(t, collector.Config{AllowIPs: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, AllowUsers: []string{"ops"}})
	bruteForce(t, e, "b1", "127.0.0.1", "alice", 12)
	bruteForce(t, e, "b2", "10.1.2.3", "bob", 12)
	bruteForce(t, e, "b3", "203.0.113.9", "carol", 12)
	bruteForce(t, e, "b4", "198.51.100.77", "ops", 12)
	bruteForce(t, e, "b5", "198.51.100.66", "dave", 12)
	var ds []collector.Decision
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		// the signal is recorded before its decisions
		if ds = decisions(t, e); slices.ContainsFunc(ds, func(d collector.Decision) bool { return d.Value == "198.51.100.66" }) {
			break
		}
	}
	var blocked []string
	for _, d := range ds {
		blocked = append(blocked, d.Kind+" "+d.Value)
		switch {
		case strings.HasPrefix(d.Value, "127."), d.Value == "10.1.2.3", d.Value == "203.0.113.9", d.Value == "ops":
			t.Errorf("decision on a protected value: %+v", d)
		}
	}
	if !strings.Contains(strings.Join(blocked, ","), "block_ip 198.51.100.66") {
		t.Errorf("the public attacker was not blocked: %v", blocked)
	}
	if e.srv.Stats().Refused.Load() == 0 {
		t.Error("no refused decision counted")
	}
	// An operator may block a private address, never loopback.
	if resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(`{"kind":"block_ip","value":"10.1.2.3","ttl":"1h"}`)); resp.StatusCode != 201 {
		t.Errorf("an operator blocks a private address: %d %s", resp.StatusCode, b)
	}
	for _, v := range []string{"127.0.0.1", "127.0.0.0/8", "0.0.0.0/0", "::1", "203.0.113.0/25"} {
		resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(fmt.Sprintf(`{"kind":"block_ip","value":%q,"ttl":"1h"}`, v)))
		if resp.StatusCode != 400 || !strings.Contains(string(b), "does not block ip") {
			t.Errorf("block_ip %s: %d %s", v, resp.StatusCode, b)
		}
	}
}

// TestAutomaticDecisionsAreCapped: past MaxAutoDecisions of a kind a
// minute, the detectors' decisions of that kind are left to a person (the
// signals are recorded); the challenges of the targeted accounts do not use
// up the blocks of the addresses.
func TestAutomaticDecisionsAreCapped(t *testing.T) {
	e := atoEnv(t, collector.Config{MaxAutoDecisions: 2})
	for i := range 4 {
		bruteForce(t, e, fmt.Sprint("b", i), fmt.Sprintf("198.51.100.%d", 10+i), fmt.Sprint("user", i), 12)
	}
	kinds := map[string]int{}
	for _, d := range decisions(t, e) {
		kinds[d.Kind]++
	}
	for k, n := range kinds {
		if n > 2 {
			t.Errorf("%d automatic %s decisions, want at most the cap of 2", n, k)
		}
	}
	if kinds[collector.BlockIP] != 2 {
		t.Errorf("automatic decisions by kind %v, want the cap of 2 blocks", kinds)
	}
	if p := e.signals("?type=brute_force"); p.Total < 4 {
		t.Errorf("signals: %d, want every campaign recorded", p.Total)
	}
}

// TestOwnAddressNeverBlocked: the collector's own (non-loopback) address is
// refused as a decision's value; a range holding it is the operator's call.
func TestOwnAddressNeverBlocked(t *testing.T) {
	var own netip.Addr
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && !p.Addr().IsLoopback() && p.Addr().Is4() {
			own = p.Addr()
		}
	}
	if !own.IsValid() {
		t.Skip("no non-loopback IPv4 address on this machine")
	}
	e := atoEnv(t, collector.Config{})
	resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(fmt.Sprintf(`{"kind":"block_ip","value":%q,"ttl":"1h"}`, own)))
	if resp.StatusCode != 400 || !strings.Contains(string(b), "collector's own") {
		t.Errorf("block_ip %s (the collector's own): %d %s", own, resp.StatusCode, b)
	}
	wide := netip.PrefixFrom(own, 24).Masked()
	if resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(fmt.Sprintf(`{"kind":"block_ip","value":%q,"ttl":"1h"}`, wide))); resp.StatusCode != 201 {
		t.Errorf("block_ip %s: %d %s", wide, resp.StatusCode, b)
	}
}

// TestLaterSignalsDoNotWeakenDecisions: a second signal on an address
// already blocked for longer (the credential stuffing's four hours, then a
// brute force's one hour on one of its logins) used to replace the block,
// shortening it and crediting it to the second signal; a person's decision
// was likewise replaced by a detector's.
func TestLaterSignalsDoNotWeakenDecisions(t *testing.T) {
	e := atoEnv(t, collector.Config{})
	const stuffer, manual = "198.51.100.40", "198.51.100.41"
	var evs []*event.Event
	for i := range 12 {
		ev := storetest.Login(fmt.Sprintf("leaked%d@example.com", i), stuffer, i)
		ev.Time = now.Add(time.Duration(i-40) * time.Second)
		evs = append(evs, ev)
	}
	before := e.srv.Stats().Detections.Load()
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "stuff", evs...)); resp.StatusCode != 202 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	for deadline := time.Now().Add(10 * time.Second); e.srv.Stats().Detections.Load() == before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	find := func(value string) collector.Decision {
		t.Helper()
		// The detection is counted before its decision is stored: wait
		// for the decision too.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			for _, d := range decisions(t, e) {
				if d.Kind == collector.BlockIP && d.Value == value {
					return d
				}
			}
			if time.Now().After(deadline) {
				break
			}
		}
		t.Fatalf("no block_ip %s in %+v", value, decisions(t, e))
		return collector.Decision{}
	}
	first := find(stuffer)
	if resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(`{"kind":"block_ip","value":"`+manual+`","ttl":"48h","reason":"seen in the firewall logs"}`)); resp.StatusCode != 201 {
		t.Fatalf("manual decision: %d %s", resp.StatusCode, b)
	}
	mine := find(manual)
	bruteForce(t, e, "brute1", stuffer, "bob", 12)
	bruteForce(t, e, "brute2", manual, "carol", 12)
	if p := e.signals("?type=brute_force"); p.Total < 2 {
		t.Fatalf("brute-force signals: %d, want 2", p.Total)
	}
	if got := find(stuffer); !got.ExpiresAt.Equal(first.ExpiresAt) || got.SignalID != first.SignalID || got.Reason != first.Reason {
		t.Errorf("the stuffer's block became %+v, want it to stay %+v", got, first)
	}
	if got := find(manual); !got.ExpiresAt.Equal(mine.ExpiresAt) || got.Author != mine.Author || got.Reason != mine.Reason {
		t.Errorf("the person's block became %+v, want it to stay %+v", got, mine)
	}
}
