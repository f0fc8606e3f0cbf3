package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlstore"
	"github.com/rampartsec/rampart/event"
)

// UIStore is a Store that also holds what the web UI reads beside it (the
// overview's aggregates, a campaign's logins) and the UI's users and
// sessions, as collector/ui declares them; collector/sqlstore's Store is
// one.
type UIStore interface {
	collector.Store
	Overview(ctx context.Context, since, until time.Time, buckets int) (*collector.Overview, error)
	Logins(ctx context.Context, sg *collector.Signal, limit int) ([]collector.Login, bool, error)
	LoginOverview(ctx context.Context, since, until time.Time, buckets int) (failures, successes []int64, accounts []collector.Count, err error)
	UIUsers(ctx context.Context) ([]collector.UIUser, error)
	UIUser(ctx context.Context, id string) (*collector.UIUser, error)
	UIUserByLogin(ctx context.Context, login string) (*collector.UIUser, error)
	PutUIUser(ctx context.Context, u *collector.UIUser) error
	DeleteUIUser(ctx context.Context, id string) error
	PutUISession(ctx context.Context, idHash string, s *collector.UISession, now time.Time) error
	UISession(ctx context.Context, idHash string) (*collector.UISession, error)
	DeleteUISession(ctx context.Context, idHash string) error
	AddSignalNote(ctx context.Context, n *collector.Note) error
	SignalNotes(ctx context.Context, signalID string, limit int) ([]collector.Note, error)
	SignalNoteSummaries(ctx context.Context, ids []string) (map[string]collector.NoteSummary, error)
	SignalCountsByIP(ctx context.Context, ips []string) (map[string]int64, error)
}

// RunUI runs the contract suite of the UI's store methods. open returns a
// new, empty store for each subtest; the suite closes it.
func RunUI(t *testing.T, open func(t *testing.T) UIStore) {
	run(t, open, []subtest[UIStore]{
		{"Overview", testOverview},
		{"OverviewEmpty", testOverviewEmpty},
		{"Logins", testLogins},
		{"LoginOverview", testLoginOverview},
		{"UIUsers", testUIUsers},
		{"UISessions", testUISessions},
		{"SignalNotes", testSignalNotes},
		{"SignalCountsByIP", testSignalCountsByIP},
	})
}

// at returns an event time sec seconds from t0.
func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// testOverview: the window [since, until) in buckets, the exact counts
// from the columns and what the sampled events' JSON says.
func testOverview(t *testing.T, s UIStore) {
	ctx := context.Background()
	since, until := at(-3600), t0
	a1 := Attack("r1", "203.0.113.7", -3600) // at since: in
	a1.Blocked, a1.Function, a1.Version, a1.Mode = true, "fn-b", "1.0.0", "block"
	a2 := Attack("r1", "203.0.113.7", -2400)
	a2.Function, a2.Version, a2.Mode, a2.TimedOut = "fn-a", "1.1.0", "monitor", true
	a3 := Attack("r2", "203.0.113.8", -1200)
	a3.Request.Route = "/items/{id}"
	a3.Triggers = append(a3.Triggers, event.Trigger{RuleID: "r3", Category: "xss"})
	x := Exploit("main.go", 42, -300, "203.0.113.9")
	x.Blocked = true
	before := Attack("r1", "203.0.113.7", -3601) // before since: out
	before.Service = "old"
	last := Attack("r9", "203.0.113.66", 0) // at until: out
	last.Service = "late"
	req := &event.Event{Type: event.TypeRequest, Time: at(-60), Service: "billing", TimedOut: true, Version: "2.0.0",
		Request: &event.Request{Method: "POST", URI: "/pay"}}
	slow := Login("mallory", "198.51.100.1", -30)
	slow.Service, slow.TimedOut = "billing", true
	appendOne(t, s, MakeBatch(t, "o-1", a1, a2, a3, x, before, last, req, slow, Login("alice", "198.51.100.1", -1800)))
	archived := collector.SignalID(collector.AttackKey("shop", "r1", "203.0.113.7"))
	if err := s.SetSignalStatus(ctx, archived, collector.StatusArchived); err != nil {
		t.Fatal(err)
	}

	o, err := s.Overview(ctx, since, until, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Since.Equal(since) || !o.Until.Equal(until) || o.Bucket != 15*time.Minute {
		t.Errorf("window %v–%v by %v, want %v–%v by 15m", o.Since, o.Until, o.Bucket, since, until)
	}
	if !slices.Equal(o.Attacks, []int64{1, 1, 1, 0}) || !slices.Equal(o.Exploits, []int64{0, 0, 0, 1}) || o.Total != 4 {
		t.Errorf("series: attacks %v exploits %v total %d, want [1 1 1 0] [0 0 0 1] 4", o.Attacks, o.Exploits, o.Total)
	}
	if o.Sampled != 4 || o.Blocked != 2 || o.Monitored != 2 {
		t.Errorf("sampled %d, blocked %d, monitored %d; want 4, 2, 2", o.Sampled, o.Blocked, o.Monitored)
	}
	// attack and request events with timed_out: not the login's
	if o.TimedOut != 2 {
		t.Errorf("timed out: %d, want 2", o.TimedOut)
	}
	checkCounts(t, "top IPs", o.TopIPs, []collector.Count{
		{Label: "203.0.113.7", N: 2}, {Label: "203.0.113.8", N: 1}, {Label: "203.0.113.9", N: 1}})
	checkCounts(t, "top routes", o.TopRoutes, []collector.Count{
		{Kind: "GET", Label: "/search", N: 2, Blocked: 1}, {Kind: "GET", Label: "/items/{id}", N: 1}, {Kind: "GET", Label: "/users", N: 1, Blocked: 1}})
	checkCounts(t, "top rules", o.TopRules, []collector.Count{
		{Kind: event.TypeAttack, Label: "r1", N: 2, Blocked: 1}, {Kind: event.TypeAttack, Label: "r2", N: 1}, {Kind: event.TypeAttack, Label: "r3", N: 1},
		{Kind: event.TypeExploit, Label: "rasp-sqli", N: 1, Blocked: 1}})
	// the open signals, by severity: all but the archived one
	open := map[string]int64{}
	for _, sg := range allSignals(t, s, collector.SignalQuery{Status: collector.StatusOpen}).Signals {
		open[sg.Severity]++
	}
	var want []collector.Count
	for _, sv := range collector.Severities {
		want = append(want, collector.Count{Label: sv, N: open[sv]})
	}
	checkCounts(t, "open by severity", o.OpenBySeverity, want)
	if n := int64(len(allSignals(t, s, collector.SignalQuery{}).Signals)); n-1 != sumN(o.OpenBySeverity) {
		t.Errorf("open by severity sums to %d of %d signals, one archived", sumN(o.OpenBySeverity), n)
	}
	// services, newest event first; version and mode of the newest
	// sampled event that says them, the functions sorted
	if len(o.Services) != 2 {
		t.Fatalf("services: %+v, want billing and shop", o.Services)
	}
	b, sh := o.Services[0], o.Services[1]
	if b.Service != "billing" || b.Events != 2 || !b.LastEvent.Equal(at(-30)) || b.Version != "2.0.0" || b.Mode != "" || len(b.Functions) != 0 {
		t.Errorf("billing: %+v", b)
	}
	if sh.Service != "shop" || sh.Events != 5 || !sh.LastEvent.Equal(at(-300)) || sh.Version != "1.1.0" || sh.Mode != "monitor" ||
		!slices.Equal(sh.Functions, []string{"fn-a", "fn-b"}) {
		t.Errorf("shop: %+v", sh)
	}
	// a window of one bucket after the events sees none of them
	o, err = s.Overview(ctx, until, until.Add(time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != 1 || o.Attacks[0] != 1 || len(o.Services) != 1 || o.Services[0].Service != "late" {
		t.Errorf("the next hour: total %d, services %+v; want the one event at its start", o.Total, o.Services)
	}
}

func sumN(cs []collector.Count) int64 {
	var n int64
	for _, c := range cs {
		n += c.N
	}
	return n
}

func checkCounts(t *testing.T, what string, got, want []collector.Count) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %+v, want %+v", what, got, want)
	}
}

// testOverviewEmpty: an empty window has zero series of its length and
// every severity.
func testOverviewEmpty(t *testing.T, s UIStore) {
	o, err := s.Overview(context.Background(), t0, t0.Add(time.Hour), 60)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Attacks) != 60 || len(o.Exploits) != 60 || o.Total != 0 || o.Sampled != 0 || o.TimedOut != 0 ||
		len(o.TopIPs)+len(o.TopRoutes)+len(o.TopRules)+len(o.Services) != 0 || len(o.OpenBySeverity) != len(collector.Severities) {
		t.Fatalf("empty overview: %+v", o)
	}
}

// testLogins: the logins of a signal's window from its IPs (addresses,
// prefixes) or on its users, newest first, bounded.
func testLogins(t *testing.T, s UIStore) {
	ctx := context.Background()
	yes := true
	bob := &event.Event{Type: event.TypeLoginSuccess, Time: at(-90), Service: "billing", IP: "198.51.100.2", Usr: &event.User{ID: "bob", Exists: &yes}}
	appendOne(t, s, MakeBatch(t, "l-1",
		Login("alice", "198.51.100.1", -5000), // before the window
		Login("alice", "198.51.100.1", -100),
		bob,
		Login("carol", "192.0.2.9", -80),
		Login("dave", "192.0.3.1", -70),
		Login("erin", "198.51.100.1", -10), // at the window's end: in
		Login("alice", "198.51.100.1", 10), // after it
		Attack("r1", "198.51.100.1", -95),  // not a login
	))
	sg := &collector.Signal{FirstSeen: at(-200), LastSeen: at(-10)}
	type row struct {
		user, ip string
		sec      int
		success  bool
	}
	check := func(name string, ips, users []string, limit int, want []row, wantTrunc bool) {
		t.Helper()
		sg.IPs, sg.Users = ips, users
		got, trunc, err := s.Logins(ctx, sg, limit)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var rows []row
		for _, l := range got {
			rows = append(rows, row{l.User, l.IP, int(l.Time.Sub(t0) / time.Second), l.Success})
		}
		if !slices.Equal(rows, want) || trunc != wantTrunc {
			t.Errorf("%s: %+v truncated %v, want %+v truncated %v", name, rows, trunc, want, wantTrunc)
		}
	}
	check("address and user", []string{"::ffff:198.51.100.1"}, []string{"bob"}, 100,
		[]row{{"erin", "198.51.100.1", -10, false}, {"bob", "198.51.100.2", -90, true}, {"alice", "198.51.100.1", -100, false}}, false)
	check("prefix", []string{"192.0.2.0/24", "198.51.100.2"}, nil, 100,
		[]row{{"carol", "192.0.2.9", -80, false}, {"bob", "198.51.100.2", -90, true}}, false)
	check("prefix, address and user", []string{"192.0.2.0/24", "198.51.100.2"}, []string{"dave"}, 100,
		[]row{{"dave", "192.0.3.1", -70, false}, {"carol", "192.0.2.9", -80, false}, {"bob", "198.51.100.2", -90, true}}, false)
	check("bounded", []string{"198.51.100.1"}, []string{"bob"}, 2,
		[]row{{"erin", "198.51.100.1", -10, false}, {"bob", "198.51.100.2", -90, true}}, true)
	check("exactly the bound", []string{"198.51.100.1"}, []string{"bob"}, 3,
		[]row{{"erin", "198.51.100.1", -10, false}, {"bob", "198.51.100.2", -90, true}, {"alice", "198.51.100.1", -100, false}}, false)
	check("neither IPs nor users", []string{"not an ip"}, nil, 100, nil, false)
	sg.IPs, sg.Users = nil, []string{"bob", "alice"}
	got, _, err := s.Logins(ctx, sg, 100)
	if err != nil || len(got) != 2 || got[0].Exists == nil || !*got[0].Exists || got[1].Exists == nil || *got[1].Exists {
		t.Fatalf("usr.exists of bob (true) and alice (false): %+v %v", got, err)
	}
	// the service that reported each attempt (the event's, else the
	// batch's)
	if got[0].Service != "billing" || got[1].Service != "shop" {
		t.Errorf("services of bob's and alice's logins: %q %q, want billing and shop", got[0].Service, got[1].Service)
	}
}

// testSignalNotes: notes on a signal, newest first, with who wrote them
// and whom they assign the signal to; the summary of each signal's notes;
// a note that only (un)assigns; no note on an unknown signal or an
// oversized one.
func testSignalNotes(t *testing.T, s UIStore) {
	ctx := context.Background()
	appendOne(t, s, MakeBatch(t, "n-1", Attack("r1", "203.0.113.7", -60), Attack("r2", "203.0.113.8", -30)))
	a := collector.SignalID(collector.AttackKey("shop", "r1", "203.0.113.7"))
	b := collector.SignalID(collector.AttackKey("shop", "r2", "203.0.113.8"))
	if ns, err := s.SignalNotes(ctx, a, 10); err != nil || len(ns) != 0 {
		t.Fatalf("notes of a signal without any: %+v %v", ns, err)
	}
	if sum, err := s.SignalNoteSummaries(ctx, []string{a, b}); err != nil || len(sum) != 0 {
		t.Fatalf("summaries without notes: %+v %v", sum, err)
	}
	text := "investigating, ticket SEC-123 <b>\"quoted\"</b> é\nsecond line"
	notes := []*collector.Note{
		{SignalID: a, Author: "alice", Text: text, Assignee: "alice", CreatedAt: at(10)},
		{SignalID: a, Author: "bob", Text: "handed over", Assignee: "bob", CreatedAt: at(20)},
		{SignalID: b, Author: "carol", Text: "false positive?", CreatedAt: at(15)},
	}
	for i, n := range notes {
		if err := s.AddSignalNote(ctx, n); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
		if !strings.HasPrefix(n.ID, "note_") {
			t.Errorf("note %d was given the id %q", i, n.ID)
		}
	}
	got, err := s.SignalNotes(ctx, a, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("notes of %s: %+v %v, want 2", a, got, err)
	}
	if g := got[0]; g.Author != "bob" || g.Text != "handed over" || g.Assignee != "bob" || !g.CreatedAt.Equal(at(20)) || g.SignalID != a || g.ID != notes[1].ID {
		t.Errorf("newest note: %+v", g)
	}
	if g := got[1]; g.Author != "alice" || g.Text != text || g.Assignee != "alice" || !g.CreatedAt.Equal(at(10)) {
		t.Errorf("first note: %+v, want its text %q kept as written", g, text)
	}
	if got, err := s.SignalNotes(ctx, a, 1); err != nil || len(got) != 1 || got[0].Text != "handed over" {
		t.Errorf("the newest note alone: %+v %v", got, err)
	}
	// a note that only assigns the signal is one
	if err := s.AddSignalNote(ctx, &collector.Note{SignalID: b, Author: "carol", Assignee: "dave", CreatedAt: at(15)}); err != nil {
		t.Fatalf("a note that only assigns: %v", err)
	}
	// and one that only unassigns it
	if err := s.AddSignalNote(ctx, &collector.Note{SignalID: a, Author: "bob", CreatedAt: at(30)}); err != nil {
		t.Fatalf("a note that only unassigns: %v", err)
	}
	if got, err := s.SignalNotes(ctx, a, 1); err != nil || len(got) != 1 || got[0].Assignee != "" || got[0].Text != "" || !got[0].CreatedAt.Equal(at(30)) {
		t.Fatalf("the newest note, unassigning: %+v %v", got, err)
	}
	sum, err := s.SignalNoteSummaries(ctx, []string{a, b, "sig_none"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 2 || sum[a].Notes != 3 || sum[a].Last.Text != "" || sum[a].Last.Author != "bob" || sum[a].Last.Assignee != "" || !sum[a].Last.CreatedAt.Equal(at(30)) {
		t.Errorf("summary of %s: %+v (of %d), want 3 notes, the newest bob's unassigning", a, sum[a], len(sum))
	}
	// two notes of the same time: the one SignalNotes lists first
	bs, err := s.SignalNotes(ctx, b, 10)
	if err != nil || len(bs) != 2 {
		t.Fatalf("notes of %s: %+v %v", b, bs, err)
	}
	if sum[b].Notes != 2 || sum[b].Last.ID != bs[0].ID {
		t.Errorf("summary of %s: %+v, want 2 notes, the newest %+v", b, sum[b], bs[0])
	}
	if err := s.AddSignalNote(ctx, &collector.Note{SignalID: "sig_none", Author: "alice", Text: "x", CreatedAt: at(40)}); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("a note on an unknown signal: %v, want not_found", err)
	}
	long := &collector.Note{SignalID: a, Author: "alice", Text: strings.Repeat("x", collector.MaxNoteText+1), CreatedAt: at(40)}
	if err := s.AddSignalNote(ctx, long); collector.ErrorCode(err) != collector.EInvalid {
		t.Errorf("a note over the limit: %v, want invalid", err)
	}
	long = &collector.Note{SignalID: a, Author: "alice", Text: "x", Assignee: strings.Repeat("x", collector.MaxAssignee+1), CreatedAt: at(40)}
	if err := s.AddSignalNote(ctx, long); collector.ErrorCode(err) != collector.EInvalid {
		t.Errorf("an assignee over the limit: %v, want invalid", err)
	}
	if got, _ := s.SignalNotes(ctx, a, 10); len(got) != 3 {
		t.Errorf("refused notes were stored: %+v", got)
	}
	// notes survive the signal's triage
	if err := s.SetSignalStatus(ctx, a, collector.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SignalNotes(ctx, a, 10); len(got) != 3 {
		t.Errorf("notes after archiving: %+v", got)
	}
}

// testSignalCountsByIP: how many signals name each address, from every
// signal type.
func testSignalCountsByIP(t *testing.T, s UIStore) {
	ctx := context.Background()
	appendOne(t, s, MakeBatch(t, "c-1",
		Attack("r1", "203.0.113.7", -60), Attack("r2", "203.0.113.7", -50), Attack("r1", "203.0.113.7", -40), // two signals
		Attack("r1", "203.0.113.8", -30),
		Exploit("main.go", 42, -20, "203.0.113.7"),
	))
	if err := s.RecordSignals(ctx, []collector.Signal{{Key: "credential_stuffing:203.0.113.9", Type: collector.SignalCredentialStuffing,
		Severity: collector.SeverityHigh, Title: "stuffing", FirstSeen: at(-10), LastSeen: at(-5), IPs: []string{"203.0.113.9", "203.0.113.7", "192.0.2.0/24"}, Count: 3}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SignalCountsByIP(ctx, []string{"203.0.113.7", "203.0.113.8", "203.0.113.9", "192.0.2.0/24", "198.51.100.1", "203.0.113.7", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"203.0.113.7": 4, "203.0.113.8": 1, "203.0.113.9": 1, "192.0.2.0/24": 1}
	if !maps.Equal(got, want) {
		t.Errorf("signals per IP: %v, want %v", got, want)
	}
	// one address alone, named or not
	if got, err := s.SignalCountsByIP(ctx, []string{"203.0.113.7"}); err != nil || !maps.Equal(got, map[string]int64{"203.0.113.7": 4}) {
		t.Errorf("203.0.113.7 alone: %v %v", got, err)
	}
	if got, err := s.SignalCountsByIP(ctx, []string{"198.51.100.1"}); err != nil || len(got) != 0 {
		t.Errorf("an address no signal names, alone: %v %v", got, err)
	}
	// the ip filter of a signal query, over more signals of one address
	// than a statement lists
	var lots []collector.Signal
	for i := 0; i < 1050; i++ {
		lots = append(lots, collector.Signal{Key: fmt.Sprintf("many:%d", i), Type: collector.SignalBruteForce, Severity: collector.SeverityMedium,
			Title: "many", FirstSeen: at(-100), LastSeen: at(-100 + i%50), IPs: []string{"198.51.100.99"}, Count: 1})
	}
	if err := s.RecordSignals(ctx, lots); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSignalStatus(ctx, collector.SignalID("many:7"), collector.StatusArchived); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		q    collector.SignalQuery
		want int64
	}{
		{collector.SignalQuery{IP: "198.51.100.99"}, 1050},
		{collector.SignalQuery{IP: "198.51.100.99", Status: collector.StatusOpen}, 1049},
		{collector.SignalQuery{IP: "198.51.100.99", Status: collector.StatusArchived}, 1},
		{collector.SignalQuery{IP: "203.0.113.7", Status: collector.StatusOpen}, 4},
		{collector.SignalQuery{IP: "203.0.113.70"}, 0},
	} {
		p, err := s.Signals(ctx, q.q)
		if err != nil || p.Total != q.want {
			t.Errorf("signals of %s (status %q): %d %v, want %d", q.q.IP, q.q.Status, p.Total, err, q.want)
		}
		if q.want > 0 && (len(p.Signals) == 0 || !slices.Contains(p.Signals[0].IPs, q.q.IP)) {
			t.Errorf("signals of %s: the page %+v", q.q.IP, p.Signals)
		}
	}
	p, err := s.Signals(ctx, collector.SignalQuery{IP: "198.51.100.99", Limit: 500})
	if err != nil || len(p.Signals) != 500 || p.NextCursor == "" {
		t.Fatalf("the first page of 1,050: %d %q %v", len(p.Signals), p.NextCursor, err)
	}
	// a long list is read in several queries
	many := make([]string, 0, 1200)
	for i := 0; i < 1200; i++ {
		many = append(many, fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	many = append(many, "203.0.113.8")
	if got, err := s.SignalCountsByIP(ctx, many); err != nil || !maps.Equal(got, map[string]int64{"203.0.113.8": 1}) {
		t.Errorf("1,201 addresses: %v %v", got, err)
	}
}

// testUIUsers: users by id and login, listed by login without their
// hashes, logins and ids unique, deleted with their sessions.
func testUIUsers(t *testing.T, s UIStore) {
	ctx := context.Background()
	if us, err := s.UIUsers(ctx); err != nil || len(us) != 0 {
		t.Fatalf("users of an empty store: %+v %v", us, err)
	}
	zoe := &collector.UIUser{ID: "usr_2", Login: "zoe", Role: "viewer", PasswordHash: "hash-z", CreatedAt: t0}
	adam := &collector.UIUser{ID: "usr_1", Login: "adam", Role: "admin", PasswordHash: "hash-a", CreatedAt: t0.Add(time.Second)}
	for _, u := range []*collector.UIUser{zoe, adam} {
		if err := s.PutUIUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	us, err := s.UIUsers(ctx)
	if err != nil || len(us) != 2 || us[0].ID != "usr_1" || us[1].Login != "zoe" || us[1].Role != "viewer" ||
		!us[1].CreatedAt.Equal(t0) || us[0].PasswordHash != "" || us[1].PasswordHash != "" {
		t.Fatalf("users: %+v %v; want adam then zoe, without hashes", us, err)
	}
	for name, get := range map[string]func() (*collector.UIUser, error){
		"by id":    func() (*collector.UIUser, error) { return s.UIUser(ctx, "usr_1") },
		"by login": func() (*collector.UIUser, error) { return s.UIUserByLogin(ctx, "adam") },
	} {
		u, err := get()
		if err != nil || u.ID != adam.ID || u.Login != adam.Login || u.Role != adam.Role || u.PasswordHash != adam.PasswordHash || !u.CreatedAt.Equal(adam.CreatedAt) {
			t.Errorf("%s: %+v %v, want %+v", name, u, err, adam)
		}
	}
	if _, err := s.UIUser(ctx, "usr_nope"); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("unknown id: %v, want not_found", err)
	}
	if _, err := s.UIUserByLogin(ctx, "nobody"); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("unknown login: %v, want not_found", err)
	}
	if err := s.PutUIUser(ctx, &collector.UIUser{ID: "usr_3", Login: "zoe", Role: "viewer", PasswordHash: "h", CreatedAt: t0}); err == nil {
		t.Error("a second user with login zoe was stored")
	}
	if err := s.PutUIUser(ctx, &collector.UIUser{ID: "usr_2", Login: "zed", Role: "viewer", PasswordHash: "h", CreatedAt: t0}); err == nil {
		t.Error("a second user with id usr_2 was stored")
	}
	for i, uid := range []string{"usr_1", "usr_2", "usr_1"} {
		if err := s.PutUISession(ctx, fmt.Sprint("h", i), &collector.UISession{UserID: uid, Expires: t0.Add(time.Hour)}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUIUser(ctx, "usr_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UIUser(ctx, "usr_1"); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("deleted user: %v, want not_found", err)
	}
	for i, gone := range []bool{true, false, true} {
		_, err := s.UISession(ctx, fmt.Sprint("h", i))
		if gone != (collector.ErrorCode(err) == collector.ENotFound) || !gone && err != nil {
			t.Errorf("session h%d after deleting usr_1: %v", i, err)
		}
	}
	if us, _ := s.UIUsers(ctx); len(us) != 1 || us[0].Login != "zoe" {
		t.Errorf("users after deleting adam: %+v", us)
	}
	if err := s.DeleteUIUser(ctx, "usr_1"); err != nil {
		t.Errorf("deleting a deleted user: %v", err)
	}
}

// testUISessions: sessions by the hash of their token; storing one
// removes those expired before its time.
func testUISessions(t *testing.T, s UIStore) {
	ctx := context.Background()
	if _, err := s.UISession(ctx, "h-none"); collector.ErrorCode(err) != collector.ENotFound {
		t.Fatalf("unknown session: %v, want not_found", err)
	}
	a := &collector.UISession{UserID: "usr_1", Login: "adam", Role: "admin", CSRF: "csrf-a", Expires: t0.Add(time.Hour)}
	if err := s.PutUISession(ctx, "h-a", a, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.UISession(ctx, "h-a")
	if err != nil || got.UserID != a.UserID || got.Login != a.Login || got.Role != a.Role || got.CSRF != a.CSRF || !got.Expires.Equal(a.Expires) {
		t.Fatalf("session: %+v %v, want %+v", got, err, a)
	}
	// expiring exactly at the next one's time: kept
	k := &collector.UISession{UserID: "key:adm", Login: "admin", Role: "admin", CSRF: "csrf-k", Expires: t0.Add(3 * time.Hour)}
	if err := s.PutUISession(ctx, "h-k", k, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UISession(ctx, "h-a"); err != nil {
		t.Fatalf("a session expiring at the time of the next: %v, want kept", err)
	}
	b := &collector.UISession{UserID: "usr_2", Login: "zoe", Role: "viewer", CSRF: "csrf-b", Expires: t0.Add(4 * time.Hour)}
	if err := s.PutUISession(ctx, "h-b", b, t0.Add(time.Hour+time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UISession(ctx, "h-a"); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("expired session after the next login: %v, want removed", err)
	}
	if got, err := s.UISession(ctx, "h-k"); err != nil || got.UserID != "key:adm" {
		t.Errorf("unexpired session: %+v %v", got, err)
	}
	if err := s.PutUISession(ctx, "h-b", b, t0.Add(time.Hour)); err == nil {
		t.Error("a second session under the same hash was stored")
	}
	if err := s.DeleteUISession(ctx, "h-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UISession(ctx, "h-b"); collector.ErrorCode(err) != collector.ENotFound {
		t.Errorf("deleted session: %v", err)
	}
	if err := s.DeleteUISession(ctx, "h-b"); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
}

// uiTablesV3 are the tables the web UI created itself, on databases at
// migration 3, before migration 4 held them: the statements of that UI,
// kept here as they ran.
var uiTablesV3 = []string{`CREATE TABLE IF NOT EXISTS ui_users (
	id TEXT PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	password TEXT NOT NULL,
	created_at BIGINT NOT NULL
)`, `CREATE TABLE IF NOT EXISTS ui_sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	login TEXT NOT NULL,
	role TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)`}

// UpgradeFromV3 checks that a database left by a collector of migration 3
// whose UI created its own tables opens with every migration, its users
// and sessions kept. db is an empty database, which UpgradeFromV3 fills
// as that collector did and closes; open then opens the store on it.
func UpgradeFromV3(t *testing.T, db *sql.DB, open func(t *testing.T) UIStore) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`}
	for v, m := range sqlstore.Migrations[:3] {
		stmts = append(stmts, m, fmt.Sprintf(`INSERT INTO schema_migrations (version, applied_at) VALUES (%d, 0)`, v+1))
	}
	stmts = append(stmts, uiTablesV3...)
	stmts = append(stmts,
		fmt.Sprintf(`INSERT INTO ui_users (id, login, role, password, created_at) VALUES ('usr_old', 'olga', 'analyst', 'hash-o', %d)`, t0.UnixNano()),
		fmt.Sprintf(`INSERT INTO ui_sessions (id, user_id, login, role, csrf, created_at, expires_at) VALUES ('h-old', 'usr_old', 'olga', 'analyst', 'csrf-o', %d, %d)`,
			t0.UnixNano(), t0.Add(time.Hour).UnixNano()))
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			t.Fatalf("the layout of migration 3: %v\n%s", err, q)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := open(t)
	defer s.Close()
	u, err := s.UIUserByLogin(ctx, "olga")
	if err != nil || u.ID != "usr_old" || u.Role != "analyst" || u.PasswordHash != "hash-o" || !u.CreatedAt.Equal(t0) {
		t.Fatalf("the user of the UI's own table: %+v %v", u, err)
	}
	se, err := s.UISession(ctx, "h-old")
	if err != nil || se.UserID != "usr_old" || se.CSRF != "csrf-o" || !se.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("the session of the UI's own table: %+v %v", se, err)
	}
	if err := s.PutUIUser(ctx, &collector.UIUser{ID: "usr_new", Login: "nina", Role: "viewer", PasswordHash: "h", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if us, err := s.UIUsers(ctx); err != nil || len(us) != 2 {
		t.Fatalf("users after the upgrade: %+v %v", us, err)
	}
	// the store is at the newest migration: the migrations after 3 ran
	d, ok := s.(interface{ DB() *sql.DB })
	if !ok {
		t.Fatalf("%T does not give its database", s)
	}
	var v int
	if err := d.DB().QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v != len(sqlstore.Migrations) {
		t.Fatalf("schema version %d %v, want %d", v, err, len(sqlstore.Migrations))
	}
}

// testLoginOverview: login failures and successes per bucket of
// [since, until), and the accounts with the most failures.
func testLoginOverview(t *testing.T, s UIStore) {
	ctx := context.Background()
	ok := func(user, ip string, sec int) *event.Event {
		ev := Login(user, ip, sec)
		ev.Type = event.TypeLoginSuccess
		return ev
	}
	appendOne(t, s, MakeBatch(t, "lo-1",
		Login("alice", "198.51.100.1", -700), // before the window
		Login("alice", "198.51.100.1", -600), // at since: bucket 0
		Login("alice", "198.51.100.1", -550),
		Login("bob", "198.51.100.1", -301), // bucket 0
		Login("bob", "198.51.100.1", -300), // bucket 1
		Login("carol", "198.51.100.2", -10),
		ok("alice", "198.51.100.3", -20),
		ok("dave", "198.51.100.3", -299),
		Login("erin", "198.51.100.1", 0), // at until: out
		Attack("r1", "198.51.100.1", -100),
	))
	f, su, acc, err := s.LoginOverview(ctx, at(-600), t0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f, []int64{3, 2}) || !slices.Equal(su, []int64{0, 2}) {
		t.Errorf("failures %v successes %v, want [3 2] [0 2]", f, su)
	}
	want := []collector.Count{{Kind: event.TypeLoginFailure, Label: "alice", N: 2}, {Kind: event.TypeLoginFailure, Label: "bob", N: 2},
		{Kind: event.TypeLoginFailure, Label: "carol", N: 1}}
	if !slices.Equal(acc, want) {
		t.Errorf("accounts %+v, want %+v", acc, want)
	}
	f, su, acc, err = s.LoginOverview(ctx, at(-5000), at(-4000), 10)
	if err != nil || len(f) != 10 || len(su) != 10 || sumInts(f)+sumInts(su) != 0 || len(acc) != 0 {
		t.Errorf("an empty window: %v %v %v %v", f, su, acc, err)
	}
	if _, _, _, err := s.LoginOverview(ctx, t0, t0, 10); err == nil {
		t.Error("an empty range is accepted")
	}
}

func sumInts(v []int64) (n int64) {
	for _, x := range v {
		n += x
	}
	return n
}
