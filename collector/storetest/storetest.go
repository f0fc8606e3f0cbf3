// Package storetest is the contract suite every collector.Store must pass:
// Run(t, open) checks batch dedup and atomicity, signal grouping and
// merging, paging with filters, decisions with versions, and keys;
// RunUI(t, open) checks what the web UI reads and keeps (the overview, a
// campaign's logins, the UI's users and sessions), and UpgradeFromV3 the
// upgrade of a database whose UI created its own tables. The SQLite and
// PostgreSQL stores run them against real databases.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// Run runs the contract suite. open returns a new, empty store for each
// subtest; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) collector.Store) {
	run(t, open, []subtest[collector.Store]{
		{"AppendAndDedup", testAppendDedup},
		{"ConflictingBatchID", testConflict},
		{"SignalGrouping", testGrouping},
		{"SignalPaging", testPaging},
		{"SeverityPaging", testSeverityPaging},
		{"SignalFilters", testFilters},
		{"SignalDetailAndStatus", testDetail},
		{"RecordSignals", testRecordSignals},
		{"Decisions", testDecisions},
		{"Keys", testKeys},
		{"AddKeyOnce", testAddKeyOnce},
		{"Prune", testPrune},
		{"DetectQueue", testDetectQueue},
		{"ConcurrentAppend", testConcurrentAppend},
		{"Drops", testDrops},
	})
}

// subtest is one test of a contract suite, on a store of type S.
type subtest[S collector.Store] struct {
	name string
	f    func(t *testing.T, s S)
}

// run runs each test on a new store from open, and closes it.
func run[S collector.Store](t *testing.T, open func(t *testing.T) S, tests []subtest[S]) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.f(t, s)
		})
	}
}

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// Attack returns an attack event from ip on rule at t0+sec seconds.
func Attack(rule, ip string, sec int) *event.Event {
	return &event.Event{Type: event.TypeAttack, Time: t0.Add(time.Duration(sec) * time.Second), Service: "shop",
		Request:  &event.Request{Method: "GET", URI: "/search?q=x", ClientIP: ip},
		Triggers: []event.Trigger{{RuleID: rule, RuleName: "rule " + rule, Category: "sqli", Address: "server.request.query", Value: "' OR 1=1 --"}}}
}

// Exploit returns an exploit event at file:line.
func Exploit(file string, line, sec int, ip string) *event.Event {
	return &event.Event{Type: event.TypeExploit, Time: t0.Add(time.Duration(sec) * time.Second), Service: "shop",
		Request: &event.Request{Method: "GET", URI: "/users?name=x", ClientIP: ip},
		Exploit: &event.Exploit{RuleID: "rasp-sqli", Detector: "sqli", Sink: "sql", Resource: "SELECT 1", Input: "x",
			Location: &event.Frame{Function: "main.handler", File: file, Line: line},
			Stack:    []event.Frame{{Function: "main.handler", File: file, Line: line}, {Function: "net/http.HandlerFunc.ServeHTTP", File: "server.go", Line: 2200}}}}
}

// Login returns a login failure of user from ip.
func Login(user, ip string, sec int) *event.Event {
	no := false
	return &event.Event{Type: event.TypeLoginFailure, Time: t0.Add(time.Duration(sec) * time.Second), Service: "shop", IP: ip,
		Usr: &event.User{Login: user, Exists: &no}}
}

// MakeBatch builds a batch as ingest does (DecodeBatch of the encoded
// events).
func MakeBatch(t testing.TB, id string, evs ...*event.Event) *collector.Batch {
	t.Helper()
	body, err := collector.EncodeBatch(id, "shop", "prod", evs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := collector.DecodeBatch(body, collector.Limits{}, t0)
	if err != nil {
		t.Fatalf("DecodeBatch: %v", err)
	}
	b.KeyID, b.ReceivedAt = "key_test", t0
	return b
}

func appendOne(t *testing.T, s collector.Store, b *collector.Batch) collector.Appended {
	t.Helper()
	res, err := s.Append(context.Background(), []*collector.Batch{b})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != 1 {
		t.Fatalf("Append returned %d results for 1 batch", len(res))
	}
	return res[0]
}

func allSignals(t *testing.T, s collector.Store, q collector.SignalQuery) collector.SignalPage {
	t.Helper()
	q.Limit = collector.MaxPageSize
	p, err := s.Signals(context.Background(), q)
	if err != nil {
		t.Fatalf("Signals: %v", err)
	}
	return p
}

func testAppendDedup(t *testing.T, s collector.Store) {
	b := MakeBatch(t, "b-1", Attack("r1", "203.0.113.7", 0), Attack("r1", "203.0.113.7", 5), Login("alice", "198.51.100.1", 6))
	if r := appendOne(t, s, b); r.Duplicate || r.Err != nil {
		t.Fatalf("first append: %+v", r)
	}
	again := MakeBatch(t, "b-1", Attack("r1", "203.0.113.7", 0), Attack("r1", "203.0.113.7", 5), Login("alice", "198.51.100.1", 6))
	if r := appendOne(t, s, again); !r.Duplicate || r.Err != nil {
		t.Fatalf("retried batch: got %+v, want Duplicate", r)
	}
	// The same id twice in one call, and a new batch beside them.
	res, err := s.Append(context.Background(), []*collector.Batch{again, MakeBatch(t, "b-2", Attack("r1", "203.0.113.7", 9)), again})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Duplicate || res[1].Duplicate || res[1].Err != nil || !res[2].Duplicate {
		t.Fatalf("mixed call: %+v", res)
	}
	p := allSignals(t, s, collector.SignalQuery{})
	if len(p.Signals) != 1 || p.Signals[0].Count != 3 {
		t.Fatalf("signals after a retried batch: %+v, want one with count 3", p.Signals)
	}
}

func testConflict(t *testing.T, s collector.Store) {
	appendOne(t, s, MakeBatch(t, "b-x", Attack("r1", "203.0.113.7", 0)))
	r := appendOne(t, s, MakeBatch(t, "b-x", Attack("r2", "203.0.113.8", 0)))
	if r.Duplicate || collector.ErrorCode(r.Err) != collector.EConflict {
		t.Fatalf("different batch under a used id: %+v, want a conflict", r)
	}
	p := allSignals(t, s, collector.SignalQuery{})
	if len(p.Signals) != 1 || p.Signals[0].RuleID != "r1" {
		t.Fatalf("the conflicting batch was stored: %+v", p.Signals)
	}
}

func testGrouping(t *testing.T, s collector.Store) {
	appendOne(t, s, MakeBatch(t, "g-1",
		Attack("r1", "203.0.113.7", 10), Attack("r1", "203.0.113.7", 0), // one signal
		Attack("r1", "203.0.113.8", 3),                                                      // other IP
		Attack("r2", "203.0.113.7", 4),                                                      // other rule
		Exploit("main.go", 42, 1, "203.0.113.9"), Exploit("main.go", 42, 2, "203.0.113.10"), // one location, two IPs
		Exploit("main.go", 50, 2, "203.0.113.9")))
	appendOne(t, s, MakeBatch(t, "g-2", Attack("r1", "203.0.113.7", 20)))
	p := allSignals(t, s, collector.SignalQuery{})
	if p.Total != 5 || len(p.Signals) != 5 {
		t.Fatalf("got %d signals (total %d), want 5: %+v", len(p.Signals), p.Total, p.Signals)
	}
	id := collector.SignalID(collector.AttackKey("shop", "r1", "203.0.113.7"))
	var got *collector.Signal
	for i := range p.Signals {
		if p.Signals[i].ID == id {
			got = &p.Signals[i]
		}
	}
	if got == nil {
		t.Fatalf("no signal %s for r1 from 203.0.113.7", id)
	}
	if got.Count != 3 || !got.FirstSeen.Equal(t0) || !got.LastSeen.Equal(t0.Add(20*time.Second)) ||
		!slices.Equal(got.IPs, []string{"203.0.113.7"}) || got.Type != collector.SignalAttack || got.Status != collector.StatusOpen || got.Severity != collector.SeverityHigh {
		t.Fatalf("merged signal: %+v", got)
	}
	xid := collector.SignalID(collector.ExploitKey("shop", "rasp-sqli", "main.go:42"))
	d, err := s.Signal(context.Background(), xid, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d.Count != 2 || d.Location != "main.go:42" || d.Severity != collector.SeverityCritical || !slices.Equal(d.IPs, []string{"203.0.113.10", "203.0.113.9"}) {
		t.Fatalf("exploit signal: %+v", d.Signal)
	}
	if len(d.Events) != 2 {
		t.Fatalf("exploit signal has %d events, want 2", len(d.Events))
	}
	var ev event.Event
	if err := json.Unmarshal(d.Events[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Exploit == nil || len(ev.Exploit.Stack) != 2 || ev.Request == nil || ev.Request.ClientIP != "203.0.113.10" {
		t.Fatalf("newest event of the exploit signal (want the stack trace and the request from .10): %s", d.Events[0])
	}
}

// testSeverityPaging: SortSeverity lists critical, high, medium, low, each
// newest first, every signal once across pages, within the filters.
func testSeverityPaging(t *testing.T, s collector.Store) {
	var evs []*event.Event
	cats := []string{"sqli", "xss", "scanner"} // high, medium, low
	for i := range 45 {
		ev := Attack(fmt.Sprintf("sev-%d", i), fmt.Sprintf("203.0.113.%d", i), i%7)
		ev.Triggers[0].Category = cats[i%3]
		evs = append(evs, ev)
	}
	for i := range 5 {
		evs = append(evs, Exploit(fmt.Sprintf("sev%d.go", i), 10+i, i, "198.51.100.9")) // critical
	}
	appendOne(t, s, MakeBatch(t, "sev-1", evs...))
	list := func(q collector.SignalQuery) []collector.Signal {
		t.Helper()
		var all []collector.Signal
		for pages := 0; ; pages++ {
			p, err := s.Signals(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p.Signals...)
			if p.NextCursor == "" {
				return all
			}
			if pages > 50 {
				t.Fatal("paging does not end")
			}
			q.Cursor = p.NextCursor
		}
	}
	all := list(collector.SignalQuery{Sort: collector.SortSeverity, Limit: 7})
	seen := map[string]bool{}
	for i := range all {
		sg := &all[i]
		if seen[sg.ID] {
			t.Fatalf("signal %s listed twice", sg.ID)
		}
		seen[sg.ID] = true
		if i == 0 {
			continue
		}
		prev := &all[i-1]
		r, pr := collector.SeverityRank(sg.Severity), collector.SeverityRank(prev.Severity)
		if r > pr || r == pr && (sg.LastSeen.After(prev.LastSeen) || sg.LastSeen.Equal(prev.LastSeen) && sg.ID > prev.ID) {
			t.Fatalf("out of order at %d: %s %v after %s %v", i, sg.Severity, sg.LastSeen, prev.Severity, prev.LastSeen)
		}
	}
	if len(all) != 50 || all[0].Severity != collector.SeverityCritical || all[len(all)-1].Severity != collector.SeverityLow {
		t.Fatalf("listed %d signals from %s to %s, want 50 from critical to low", len(all), all[0].Severity, all[len(all)-1].Severity)
	}
	some := list(collector.SignalQuery{Sort: collector.SortSeverity, Severities: []string{collector.SeverityLow, collector.SeverityCritical}, Limit: 4})
	if len(some) != 20 || some[0].Severity != collector.SeverityCritical || some[5].Severity != collector.SeverityLow {
		t.Fatalf("critical and low: %d signals, want 5 critical then 15 low", len(some))
	}
	if _, err := s.Signals(context.Background(), collector.SignalQuery{Sort: collector.SortSeverity, Cursor: "urgent.abc"}); collector.ErrorCode(err) != collector.EInvalid {
		t.Fatalf("bad severity cursor: %v, want invalid", err)
	}
}

func testPaging(t *testing.T, s collector.Store) {
	const n = 137
	var evs []*event.Event
	for i := range n {
		evs = append(evs, Attack("r1", fmt.Sprintf("10.0.%d.%d", i/250, i%250), i%40)) // ties in last_seen
	}
	appendOne(t, s, MakeBatch(t, "p-1", evs...))
	seen := map[string]bool{}
	var last *collector.Signal
	cursor := ""
	pages := 0
	for {
		p, err := s.Signals(context.Background(), collector.SignalQuery{Limit: 20, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if p.Total != n {
			t.Fatalf("page %d: total %d, want %d", pages, p.Total, n)
		}
		for i := range p.Signals {
			sg := &p.Signals[i]
			if seen[sg.ID] {
				t.Fatalf("signal %s on two pages", sg.ID)
			}
			seen[sg.ID] = true
			if last != nil && (sg.LastSeen.After(last.LastSeen) || sg.LastSeen.Equal(last.LastSeen) && sg.ID > last.ID) {
				t.Fatalf("out of order: %v %s after %v %s", sg.LastSeen, sg.ID, last.LastSeen, last.ID)
			}
			last = sg
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != n || pages != 7 {
		t.Fatalf("paged %d signals in %d pages, want %d in 7", len(seen), pages, n)
	}
	if _, err := s.Signals(context.Background(), collector.SignalQuery{Cursor: "garbage!"}); collector.ErrorCode(err) != collector.EInvalid {
		t.Fatalf("bad cursor: %v, want invalid", err)
	}
	if _, err := s.Signals(context.Background(), collector.SignalQuery{Limit: collector.MaxPageSize + 1}); collector.ErrorCode(err) != collector.EInvalid {
		t.Fatalf("limit over the maximum: %v, want invalid", err)
	}
}

func testFilters(t *testing.T, s collector.Store) {
	a := Attack("r1", "203.0.113.7", 0)
	b := Attack("r2", "203.0.113.7", 100)
	b.Service = "billing"
	scan := Attack("r3", "203.0.113.7", 200)
	scan.Triggers[0].Category = "scanner"
	appendOne(t, s, MakeBatch(t, "f-1", a, b, scan, Exploit("x.go", 1, 50, "203.0.113.7"), Attack("r1", "203.0.113.8", 20)))
	count := func(q collector.SignalQuery) int64 { return allSignals(t, s, q).Total }
	for _, c := range []struct {
		name string
		q    collector.SignalQuery
		want int64
	}{
		{"all", collector.SignalQuery{}, 5},
		{"type", collector.SignalQuery{Types: []string{collector.SignalExploit}}, 1},
		{"types", collector.SignalQuery{Types: []string{collector.SignalExploit, collector.SignalAttack}}, 5},
		{"severity", collector.SignalQuery{Severities: []string{collector.SeverityLow}}, 1},
		{"service", collector.SignalQuery{Service: "billing"}, 1},
		{"ip", collector.SignalQuery{IP: "203.0.113.7"}, 4},
		{"another ip", collector.SignalQuery{IP: "203.0.113.8"}, 1},
		{"ip and type", collector.SignalQuery{IP: "203.0.113.7", Types: []string{collector.SignalExploit}}, 1},
		{"an ip no signal names", collector.SignalQuery{IP: "203.0.113.70"}, 0},
		{"since", collector.SignalQuery{Since: t0.Add(100 * time.Second)}, 2},
		{"until", collector.SignalQuery{Until: t0.Add(100 * time.Second)}, 3},
		{"window", collector.SignalQuery{Since: t0.Add(50 * time.Second), Until: t0.Add(101 * time.Second)}, 2},
		{"status", collector.SignalQuery{Status: collector.StatusArchived}, 0},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d signals, want %d", c.name, got, c.want)
		}
	}
}

func testDetail(t *testing.T, s collector.Store) {
	ctx := context.Background()
	var evs []*event.Event
	for i := range 30 {
		e := Attack("r1", "203.0.113.7", i)
		e.Usr = &event.User{ID: fmt.Sprintf("u%d", i%3)}
		evs = append(evs, e)
	}
	appendOne(t, s, MakeBatch(t, "d-1", evs...))
	id := collector.SignalID(collector.AttackKey("shop", "r1", "203.0.113.7"))
	d, err := s.Signal(ctx, id, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Events) != 5 || !slices.Equal(d.Users, []string{"u0", "u1", "u2"}) {
		t.Fatalf("detail: %d events, users %v", len(d.Events), d.Users)
	}
	var newest event.Event
	json.Unmarshal(d.Events[0], &newest)
	if !newest.Time.Equal(t0.Add(29 * time.Second)) {
		t.Fatalf("first event at %v, want the newest", newest.Time)
	}
	if _, err := s.Signal(ctx, "sig_nope", 5); collector.ErrorCode(err) != collector.ENotFound {
		t.Fatalf("unknown signal: %v", err)
	}
	if err := s.SetSignalStatus(ctx, id, collector.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if p := allSignals(t, s, collector.SignalQuery{Status: collector.StatusArchived}); p.Total != 1 {
		t.Fatalf("archived: %d", p.Total)
	}
	if err := s.SetSignalStatus(ctx, id, "bogus"); collector.ErrorCode(err) != collector.EInvalid {
		t.Fatalf("bad status: %v", err)
	}
	if err := s.SetSignalStatus(ctx, "sig_nope", collector.StatusArchived); collector.ErrorCode(err) != collector.ENotFound {
		t.Fatalf("status of an unknown signal: %v", err)
	}
	// A new event reopens the archived signal.
	appendOne(t, s, MakeBatch(t, "d-2", Attack("r1", "203.0.113.7", 99)))
	if d, _ := s.Signal(ctx, id, 0); d.Status != collector.StatusOpen || d.Count != 31 {
		t.Fatalf("after a new event: status %s count %d, want open 31", d.Status, d.Count)
	}
}

func testRecordSignals(t *testing.T, s collector.Store) {
	ctx := context.Background()
	key := "brute_force\x1fshop\x1falice"
	up := collector.Signal{Key: key, Type: collector.SignalBruteForce, Severity: collector.SeverityMedium, Title: "brute force on alice",
		Service: "shop", FirstSeen: t0, LastSeen: t0.Add(time.Minute), IPs: []string{"198.51.100.1"}, Users: []string{"alice"}, Count: 10}
	up.Evidence = []json.RawMessage{json.RawMessage(`{"type":"detection","reason":"10 failures"}`)}
	if err := s.RecordSignals(ctx, []collector.Signal{up}); err != nil {
		t.Fatal(err)
	}
	up2 := up
	up2.Evidence = []json.RawMessage{json.RawMessage(`{"type":"detection","reason":"15 failures"}`)}
	up2.Severity, up2.Count, up2.FirstSeen, up2.LastSeen, up2.IPs = collector.SeverityHigh, 5, t0.Add(time.Minute), t0.Add(2*time.Minute), []string{"198.51.100.2"}
	if err := s.RecordSignals(ctx, []collector.Signal{up2}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Signal(ctx, collector.SignalID(key), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Events) != 2 || !strings.Contains(string(d.Events[0]), "15 failures") || !strings.Contains(string(d.Events[1]), "10 failures") {
		t.Fatalf("evidence of the detector signal, newest first: %s", d.Events)
	}
	if d.Count != 15 || d.Severity != collector.SeverityHigh || !d.FirstSeen.Equal(t0) || !d.LastSeen.Equal(t0.Add(2*time.Minute)) ||
		!slices.Equal(d.IPs, []string{"198.51.100.1", "198.51.100.2"}) || !slices.Equal(d.Users, []string{"alice"}) {
		t.Fatalf("merged detector signal: %+v", d.Signal)
	}
	// IPs stop at MaxSignalValues; the count goes on.
	many := up
	many.Count = 1
	many.IPs = nil
	for i := range collector.MaxSignalValues + 50 {
		many.IPs = append(many.IPs, fmt.Sprintf("10.1.%d.%d", i/200, i%200))
	}
	if err := s.RecordSignals(ctx, []collector.Signal{many}); err != nil {
		t.Fatal(err)
	}
	d, _ = s.Signal(ctx, collector.SignalID(key), 0)
	if len(d.IPs) != collector.MaxSignalValues || d.Count != 16 {
		t.Fatalf("after many IPs: %d IPs, count %d", len(d.IPs), d.Count)
	}
}

func testDecisions(t *testing.T, s collector.Store) {
	ctx := context.Background()
	v0, ds, err := s.Decisions(ctx)
	if err != nil || len(ds) != 0 {
		t.Fatalf("empty: %v %v", ds, err)
	}
	d := &collector.Decision{Kind: collector.BlockIP, Value: "203.0.113.7", Reason: "sqli", Author: "admin", ExpiresAt: t0.Add(time.Hour), SignalID: "sig_1"}
	v1, err := s.PutDecision(ctx, d)
	if err != nil || v1 <= v0 || d.ID == "" {
		t.Fatalf("put: v%d→v%d id %q err %v", v0, v1, d.ID, err)
	}
	// Same kind and value: replaced, same id.
	d2 := &collector.Decision{Kind: collector.BlockIP, Value: "203.0.113.7", Reason: "again", Author: "detector"}
	v2, err := s.PutDecision(ctx, d2)
	if err != nil || v2 <= v1 || d2.ID != d.ID {
		t.Fatalf("replace: v%d id %q (first %q) err %v", v2, d2.ID, d.ID, err)
	}
	d3 := &collector.Decision{Kind: collector.ChallengeUser, Value: "alice", Author: "admin"}
	v3, _ := s.PutDecision(ctx, d3)
	v, ds, err := s.Decisions(ctx)
	if err != nil || v != v3 || len(ds) != 2 {
		t.Fatalf("list: v%d (want %d) %+v %v", v, v3, ds, err)
	}
	got := ds[slices.IndexFunc(ds, func(x collector.Decision) bool { return x.ID == d.ID })]
	if got.Reason != "again" || !got.ExpiresAt.IsZero() || got.Author != "detector" {
		t.Fatalf("replaced decision: %+v", got)
	}
	v4, err := s.DeleteDecision(ctx, d.ID)
	if err != nil || v4 <= v3 {
		t.Fatalf("delete: v%d %v", v4, err)
	}
	if _, err := s.DeleteDecision(ctx, d.ID); collector.ErrorCode(err) != collector.ENotFound {
		t.Fatalf("delete twice: %v", err)
	}
	if v, _, _ := s.Decisions(ctx); v != v4 {
		t.Fatalf("a failed delete changed the version: %d → %d", v4, v)
	}
}

func testKeys(t *testing.T, s collector.Store) {
	ctx := context.Background()
	k := collector.Key{ID: "key_1", Name: "svc", Kind: collector.KeyIngest, Hash: collector.HashSecret("s3cret"), CreatedAt: t0}
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.PutKey(ctx, collector.Key{ID: "adm", Kind: collector.KeyAdmin, Hash: collector.HashSecret("a"), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, "key_1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, "key_1", t0.Add(2*time.Hour)); collector.ErrorCode(err) != collector.ENotFound {
		t.Fatalf("revoke twice: %v", err)
	}
	ks, err := s.Keys(ctx)
	if err != nil || len(ks) != 2 {
		t.Fatalf("keys: %+v %v", ks, err)
	}
	i := slices.IndexFunc(ks, func(x collector.Key) bool { return x.ID == "key_1" })
	if i < 0 || ks[i].Hash != k.Hash || !ks[i].RevokedAt.Equal(t0.Add(time.Hour)) || ks[i].Kind != collector.KeyIngest {
		t.Fatalf("stored key: %+v", ks)
	}
}

// testDetectQueue: a batch stored with Detect is queued with its user
// events (service filled from the batch), claimed by one claimer at a time
// until its lease runs out, oldest first, and gone once done; a retried
// batch is not queued twice; concurrent claimers take disjoint batches.
func testDetectQueue(t *testing.T, s collector.Store) {
	q, ok := s.(collector.DetectQueue)
	if !ok {
		t.Skip("the store has no detection queue")
	}
	ctx := context.Background()
	for i := range 20 {
		ev := Login("alice", "198.51.100.4", i)
		ev.Service = ""
		body, err := collector.EncodeBatch(fmt.Sprintf("d-%02d", i), "shop", "prod", []*event.Event{ev, Attack("r1", "203.0.113.7", i)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := collector.DecodeBatch(body, collector.Limits{}, t0)
		if err != nil {
			t.Fatal(err)
		}
		b.KeyID, b.ReceivedAt, b.Detect = "key_test", t0.Add(time.Duration(i)*time.Millisecond), true
		for range 2 { // the second time a duplicate: not queued again
			if _, err := s.Append(ctx, []*collector.Batch{b}); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Now()
	first, err := q.ClaimDetect(ctx, now, time.Minute, 5)
	if err != nil || len(first) != 5 || first[0].ID != "d-00" || first[4].ID != "d-04" {
		t.Fatalf("first claim: %+v %v", first, err)
	}
	for _, b := range first {
		if b.Replayed {
			t.Errorf("%s claimed for the first time is marked replayed", b.ID)
		}
	}
	if evs := first[0].Events; len(evs) != 1 || evs[0].Type != event.TypeLoginFailure || evs[0].Service != "shop" || evs[0].Usr.Login != "alice" {
		t.Fatalf("the queued events: %+v", evs)
	}
	// Concurrent claimers take the other 15, each once.
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				bs, err := q.ClaimDetect(ctx, now, time.Minute, 2)
				if err != nil {
					t.Error(err)
					return
				}
				if len(bs) == 0 {
					return
				}
				mu.Lock()
				for _, b := range bs {
					seen[b.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 15 {
		t.Errorf("concurrent claimers took %d batches, want the 15 left", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s claimed %d times", id, n)
		}
	}
	// The first five come back once their lease is over, unless done.
	if err := q.DoneDetect(ctx, []string{"d-00", "d-01"}); err != nil {
		t.Fatal(err)
	}
	again, err := q.ClaimDetect(ctx, now.Add(2*time.Minute), time.Minute, 100)
	if err != nil || len(again) != 18 || again[0].ID != "d-02" {
		t.Fatalf("after the leases: %d batches, first %v, %v", len(again), again, err)
	}
	for _, b := range again {
		if !b.Replayed {
			t.Errorf("%s claimed again after a lease ran out is not marked replayed", b.ID)
		}
	}
}

// testPrune: events, batch records and expired decisions past their
// retention are deleted, in chunks; the signals stay with their counts,
// and what is recent stays whole.
func testPrune(t *testing.T, s collector.Store) {
	p, ok := s.(collector.Pruner)
	if !ok {
		t.Skip("the store does not prune")
	}
	ctx := context.Background()
	// 12,000 events 40 days old (more than one chunk) and 3 recent ones.
	ago := t0.Add(-40 * 24 * time.Hour)
	var old []*event.Event
	for i := range 12_000 {
		ev := Attack("r1", "203.0.113.7", 0)
		ev.Time = ago.Add(time.Duration(i) * time.Millisecond)
		old = append(old, ev)
	}
	for i := 0; i < len(old); i += 1000 {
		b := MakeBatch(t, fmt.Sprint("old-", i), old[i:i+1000]...)
		b.ReceivedAt = ago
		if _, err := s.Append(ctx, []*collector.Batch{b}); err != nil {
			t.Fatal(err)
		}
	}
	later := t0
	recent := MakeBatch(t, "recent", Attack("r1", "203.0.113.7", 0), Attack("r1", "203.0.113.7", 1), Attack("r1", "203.0.113.7", 2))
	if _, err := s.Append(ctx, []*collector.Batch{recent}); err != nil {
		t.Fatal(err)
	}
	gone := &collector.Decision{Kind: collector.BlockIP, Value: "198.51.100.1", ExpiresAt: ago.Add(time.Hour), CreatedAt: ago}
	kept := &collector.Decision{Kind: collector.BlockIP, Value: "198.51.100.2", CreatedAt: ago} // no expiry
	for _, d := range []*collector.Decision{gone, kept} {
		if _, err := s.PutDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	n, err := p.Prune(ctx, collector.Retention{Events: 30 * 24 * time.Hour, Batches: 7 * 24 * time.Hour, Decisions: 24 * time.Hour}, later)
	if err != nil {
		t.Fatal(err)
	}
	if n.Events != 12_000 || n.Batches != 12 || n.Decisions != 1 {
		t.Errorf("pruned %+v, want 12000 events, 12 batches, 1 decision", n)
	}
	page := allSignals(t, s, collector.SignalQuery{})
	if len(page.Signals) != 1 || page.Signals[0].Count != 12_003 {
		t.Fatalf("the signal after pruning: %+v", page.Signals)
	}
	d, err := s.Signal(ctx, page.Signals[0].ID, 10)
	if err != nil || len(d.Events) != 3 {
		t.Fatalf("the signal's recent events: %v %v", d, err)
	}
	_, ds, _ := s.Decisions(ctx)
	if len(ds) != 1 || ds[0].Value != "198.51.100.2" {
		t.Errorf("decisions after pruning: %+v", ds)
	}
	if again, err := p.Prune(ctx, collector.Retention{Events: 30 * 24 * time.Hour}, later); err != nil || again != (collector.Pruned{}) {
		t.Errorf("a second pruning: %+v %v", again, err)
	}
}

// testAddKeyOnce: of writers adding the same key at once, one adds it; a
// revoked key is not added back.
func testAddKeyOnce(t *testing.T, s collector.Store) {
	ctx := context.Background()
	const writers = 8
	var wg sync.WaitGroup
	var added atomic.Int32
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := collector.Key{ID: "admin", Name: "first start", Kind: collector.KeyAdmin, Hash: collector.HashSecret(fmt.Sprint("token-", w)), CreatedAt: t0}
			ok, err := s.AddKey(ctx, k)
			if err != nil {
				errs <- err
			}
			if ok {
				added.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := added.Load(); n != 1 {
		t.Fatalf("%d writers added the key, want 1", n)
	}
	k := collector.Key{ID: "env_1", Name: "RAMPART_INGEST_KEYS", Kind: collector.KeyIngest, Hash: collector.HashSecret("i"), CreatedAt: t0}
	if ok, err := s.AddKey(ctx, k); err != nil || !ok {
		t.Fatalf("AddKey: %v %v", ok, err)
	}
	if err := s.RevokeKey(ctx, "env_1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AddKey(ctx, k); err != nil || ok {
		t.Fatalf("a revoked key added back: %v %v", ok, err)
	}
	ks, _ := s.Keys(ctx)
	i := slices.IndexFunc(ks, func(x collector.Key) bool { return x.ID == "env_1" })
	if i < 0 || ks[i].RevokedAt.IsZero() {
		t.Fatalf("the revoked key: %+v", ks)
	}
}

func testConcurrentAppend(t *testing.T, s collector.Store) {
	// Writers racing on the same signal and on the same batch ids: every
	// batch counts once.
	const writers, per = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				// half the ids are shared between writers
				id := fmt.Sprintf("c-%d-%d", w, i)
				if i%2 == 0 {
					id = fmt.Sprintf("c-shared-%d", i)
				}
				_, err := s.Append(context.Background(), []*collector.Batch{MakeBatch(t, id, Attack("r1", "203.0.113.7", i))})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p := allSignals(t, s, collector.SignalQuery{})
	want := int64(writers*per/2 + per/2)
	if len(p.Signals) != 1 || p.Signals[0].Count != want {
		t.Fatalf("after concurrent appends: %+v, want one signal with count %d", p.Signals, want)
	}
}

// testDrops: the drops batches report are summed per key and service in
// their transaction, once per stored batch (never for a duplicate or a
// conflict), from batches with events and from batches of drops only.
func testDrops(t *testing.T, s collector.Store) {
	ctx := context.Background()
	if d, err := s.Drops(ctx); err != nil || len(d) != 0 {
		t.Fatalf("Drops of an empty store: %+v %v", d, err)
	}
	withEvents := MakeBatch(t, "d-1", Attack("r1", "203.0.113.7", 0))
	withEvents.Dropped = 3
	only := &collector.Batch{ID: "d-2", Hash: "h-d-2", KeyID: "key_test", ReceivedAt: t0.Add(time.Minute), Service: "shop", Dropped: 4}
	other := &collector.Batch{ID: "d-3", Hash: "h-d-3", KeyID: "key_other", ReceivedAt: t0, Service: "orders", Dropped: 1}
	none := MakeBatch(t, "d-4", Attack("r1", "203.0.113.7", 1))
	res, err := s.Append(ctx, []*collector.Batch{withEvents, only, other, none, only})
	if err != nil {
		t.Fatal(err)
	}
	if !res[4].Duplicate {
		t.Fatalf("the same batch twice in one call: %+v", res)
	}
	// retries, one of them in another call, and a conflicting reuse
	dup := *only
	conflict := *only
	conflict.Hash, conflict.Dropped = "h-other", 100
	res, err = s.Append(ctx, []*collector.Batch{&dup, &conflict})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Duplicate || res[1].Err == nil {
		t.Fatalf("retry and conflict: %+v", res)
	}
	got, err := s.Drops(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []collector.DropCount{
		{KeyID: "key_other", Service: "orders", Events: 1, Batches: 1, LastReported: t0},
		{KeyID: "key_test", Service: "shop", Events: 7, Batches: 2, LastReported: t0.Add(time.Minute)},
	}
	if len(got) != len(want) {
		t.Fatalf("Drops: %+v, want %+v", got, want)
	}
	for i := range want {
		if g := got[i]; g.KeyID != want[i].KeyID || g.Service != want[i].Service || g.Events != want[i].Events ||
			g.Batches != want[i].Batches || !g.LastReported.Equal(want[i].LastReported) {
			t.Fatalf("Drops[%d]: %+v, want %+v", i, g, want[i])
		}
	}
	// a batch of drops only stores no event and no signal
	if p := allSignals(t, s, collector.SignalQuery{}); len(p.Signals) != 1 || p.Signals[0].Count != 2 {
		t.Fatalf("signals: %+v, want one with count 2", p.Signals)
	}
}
