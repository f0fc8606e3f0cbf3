package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ui"
	"github.com/rampartsec/rampart/event"
)

// attackEvent is an attack from ip on rule, its trigger's value as
// matched (value) and as sent (raw, "" for an event without it).
func attackEvent(at time.Time, ip, rule, value, raw, hl string) *event.Event {
	return &event.Event{Type: event.TypeAttack, Time: at, Mode: "monitor", Version: "0.1.0",
		Request:  &event.Request{Method: "GET", URI: "/search?q=x", ClientIP: ip},
		Triggers: []event.Trigger{{RuleID: rule, Category: "xss", Address: "server.request.query", KeyPath: []string{"q"}, Value: value, Raw: raw, Highlight: hl}}}
}

// TestSignalNotes: an analyst writes a note and assigns the signal
// through the form; the signal page shows who wrote what and when, the
// list marks the signal; a note that says nothing, an oversized one, one
// on an unknown signal and one by a viewer are refused, the store
// unchanged.
func TestSignalNotes(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	e.ingest("shop", attackEvent(now.Add(-time.Minute), "203.0.113.7", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "203.0.113.8", "xss-001", "<script>", "", "<script>"))
	sg := e.firstSignal(collector.SignalAttack)
	adm := e.admin()
	path := "/signals/" + sg.ID
	adm.get(path)
	resp, body := adm.post(path+"/notes", url.Values{"text": {"investigating, ticket SEC-123\r\n<script>alert(\"note\")</script>"}, "assignee": {"alice"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=note#notes" {
		t.Fatalf("note: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = adm.get(path + "?done=note")
	mustOK(t, resp, body)
	for _, want := range []string{
		`Note saved.`,
		`<dd id="assignee">alice</dd>`,
		`<b class="note-author">admin</b>`,
		`<span class="tag tag-assign">assigned to alice</span>`,
		"<p class=\"note-text\">investigating, ticket SEC-123\n&lt;script&gt;alert(&#34;note&#34;)&lt;/script&gt;</p>",
		`<input id="note-assignee" name="assignee" value="alice"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the signal page lacks %s", want)
		}
	}
	if strings.Contains(body, `<script>alert("note")`) {
		t.Error("the note renders as markup")
	}
	// the time it was written, to the second
	ns, err := e.web.Notes(context.Background(), sg.ID)
	if err != nil || len(ns) != 1 || ns[0].Author != "admin" || ns[0].CreatedAt.Before(now.Add(-time.Second)) || time.Since(ns[0].CreatedAt) > time.Minute {
		t.Fatalf("stored notes: %+v %v", ns, err)
	}
	if !strings.Contains(body, `<time datetime="`+ns[0].CreatedAt.UTC().Format(time.RFC3339)+`">`) {
		t.Error("the note's time is not shown")
	}
	// the list marks the signal, and only it
	_, list := adm.get("/signals")
	if n := strings.Count(list, `class="note-mark"`); n != 1 {
		t.Errorf("%d note markers on the list, want 1", n)
	}
	mark := regexp.MustCompile(`<a class="note-mark" href="` + regexp.QuoteMeta(path) + `#notes" title="1 note, the newest by admin [^"]*: investigating, ticket SEC-123[^"]*">✎ 1</a> <span class="assignee" title="assigned to alice">→ alice</span>`)
	if !mark.MatchString(list) {
		t.Errorf("the list does not mark %s with its note and assignee", sg.ID)
	}
	// a note that only takes the assignment away
	adm.get(path)
	if resp, body := adm.post(path+"/notes", url.Values{"text": {""}, "assignee": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unassign: %d %s", resp.StatusCode, body)
	}
	_, body = adm.get(path)
	if !strings.Contains(body, `<span class="tag tag-assign">unassigned</span>`) || !strings.Contains(body, `<dd id="assignee"><span class="muted">no one</span></dd>`) {
		t.Error("the unassigning note is not shown")
	}
	// refused: nothing said, too long, not one line, unknown signal
	for _, tc := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"nothing new", path, url.Values{"text": {"  \r\n "}, "assignee": {""}}, http.StatusBadRequest},
		{"too long", path, url.Values{"text": {strings.Repeat("x", collector.MaxNoteText+1)}}, http.StatusBadRequest},
		{"assignee of two lines", path, url.Values{"text": {"x"}, "assignee": {"a\nb"}}, http.StatusBadRequest},
		{"invalid UTF-8", path, url.Values{"text": {"x\xff"}}, http.StatusBadRequest},
		{"unknown signal", "/signals/sig_00000000000000000000", url.Values{"text": {"x"}}, http.StatusNotFound},
	} {
		adm.get(path)
		if resp, _ := adm.post(tc.path+"/notes", tc.form); resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// a viewer reads notes but writes none
	adm.get("/users")
	if resp, body := adm.post("/users", url.Values{"login": {"victor"}, "password": {"viewer password 1"}, "role": {ui.RoleViewer}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("viewer: %d %s", resp.StatusCode, body)
	}
	v := e.client()
	if resp := v.login("victor", "viewer password 1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("viewer login")
	}
	_, body = v.get(path)
	if !strings.Contains(body, "investigating, ticket SEC-123") || strings.Contains(body, `id="add-note"`) {
		t.Error("a viewer sees no note, or the form")
	}
	if resp, _ := v.post(path+"/notes", url.Values{"text": {"viewer's note"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's note: %d, want 403", resp.StatusCode)
	}
	if ns, _ := e.web.Notes(context.Background(), sg.ID); len(ns) != 2 {
		t.Errorf("%d notes stored, want the 2 accepted", len(ns))
	}
}

// TestIPFactsCountSignals: beside each IP, how many signals and decisions
// name it, on the overview, on a signal and on a campaign.
func TestIPFactsCountSignals(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	e.ingest("shop", attackEvent(now.Add(-time.Minute), "203.0.113.7", "xss-001", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "203.0.113.7", "xss-002", "<script>", "", "<script>"),
		attackEvent(now.Add(-time.Minute), "203.0.113.8", "xss-001", "<script>", "", "<script>"))
	e.ingest("billing", attackEvent(now.Add(-time.Minute), "203.0.113.7", "xss-001", "<script>", "", "<script>"))
	ctx := context.Background()
	if _, err := e.store.PutDecision(ctx, &collector.Decision{Kind: collector.ChallengeIP, Value: "203.0.113.0/24", Author: "admin", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	adm := e.admin()
	_, body := adm.get("/?range=1h")
	fact := regexp.MustCompile(`<td><code>203\.0\.113\.7</code></td><td><span class="ipfact"[^>]*>.*?<a class="muted ipsig" href="/signals\?ip=203\.0\.113\.7&amp;status=" [^>]*>3 signals</a> <span class="muted ipdec">1 decision</span></span></td>`)
	if !fact.MatchString(body) {
		t.Error("the overview's top IP does not count its 3 signals and 1 decision")
	}
	if !regexp.MustCompile(`<td><code>203\.0\.113\.8</code></td><td><span class="ipfact"[^>]*>.*?<a class="muted ipsig" [^>]*>1 signal</a> <span class="muted ipdec">1 decision</span>`).MatchString(body) {
		t.Error("the overview's second IP does not count its signal")
	}
	p, err := e.store.Signals(ctx, collector.SignalQuery{Service: "billing"})
	if err != nil || len(p.Signals) != 1 {
		t.Fatal(p, err)
	}
	_, body = adm.get("/signals/" + p.Signals[0].ID)
	if !regexp.MustCompile(`<dd id="ip-facts"><span class="ip"><code>203\.0\.113\.7</code> <span class="ipfact"[^>]*>.*?3 signals</a>`).MatchString(body) {
		t.Error("the signal's IP does not count its 3 signals")
	}
	// the count links to those signals, archived ones too
	if err := e.store.SetSignalStatus(ctx, p.Signals[0].ID, collector.StatusArchived); err != nil {
		t.Fatal(err)
	}
	_, body = adm.get("/signals?ip=203.0.113.7&status=")
	if n := strings.Count(body, `<a class="sig"`); n != 3 || !strings.Contains(body, `<span class="muted" id="total">3 matching</span>`) ||
		!strings.Contains(body, `<input name="ip" value="203.0.113.7"`) {
		t.Errorf("the signals of 203.0.113.7: %d listed, want 3, with the filter shown", n)
	}
	_, body = adm.get("/signals?ip=203.0.113.7")
	if n := strings.Count(body, `<a class="sig"`); n != 2 {
		t.Errorf("the open signals of 203.0.113.7: %d, want 2", n)
	}
}

// TestCampaignServices: a campaign whose logins several services
// reported says which service saw each IP and user; one service's, no
// column.
func TestCampaignServices(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	var auth, shop []*event.Event
	for i := 0; i < 6; i++ {
		auth = append(auth, loginEvent(now.Add(time.Duration(i)*time.Second), event.TypeLoginFailure, "192.0.2.77", "alice", true))
	}
	shop = append(shop, loginEvent(now.Add(7*time.Second), event.TypeLoginFailure, "192.0.2.77", "bob", false),
		loginEvent(now.Add(8*time.Second), event.TypeLoginFailure, "192.0.2.78", "bob", false))
	e.ingest("auth-api", auth...)
	e.ingest("shop-api", shop...)
	ctx := context.Background()
	record := func(key string, ips []string, last time.Time) string {
		sg := collector.Signal{Key: key, Type: collector.SignalCredentialStuffing, Severity: collector.SeverityHigh,
			Title: "stuffing", Service: "auth-api", FirstSeen: now, LastSeen: last, IPs: ips, Count: 8}
		if err := e.store.RecordSignals(ctx, []collector.Signal{sg}); err != nil {
			t.Fatal(err)
		}
		return collector.SignalID(key)
	}
	both := record("ato\x1fboth", []string{"192.0.2.77", "192.0.2.78"}, now.Add(8*time.Second))
	one := record("ato\x1fone", []string{"192.0.2.77"}, now.Add(5*time.Second))
	adm := e.admin()
	_, body := adm.get("/signals/" + both)
	for _, want := range []string{
		`<dd id="services">auth-api, shop-api</dd>`,
		`<th>IP</th><th>service</th>`,
		`<td class="svc">auth-api, shop-api</td><td class="num">7</td>`, // 192.0.2.77: 6 on auth-api, 1 on shop-api
		`<td class="svc">shop-api</td><td class="num">1</td>`,           // 192.0.2.78
		`<td><code>alice</code></td><td class="svc">auth-api</td><td>exists</td><td class="num">6</td>`,
		`<td><code>bob</code></td><td class="svc">shop-api</td><td>does not exist</td><td class="num">2</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the campaign of two services lacks %s", want)
		}
	}
	_, body = adm.get("/signals/" + one)
	if strings.Contains(body, `<th>service</th>`) || strings.Contains(body, `id="services"`) || strings.Contains(body, `class="svc"`) {
		t.Error("a campaign of one service has a service column")
	}
	// the signals list has its service column, a link to the service's
	_, body = adm.get("/signals")
	if !strings.Contains(body, `<td class="svc"><a href="/signals?range=all&amp;service=auth-api&amp;sort=severity&amp;status=open" title="only auth-api">auth-api</a></td>`) {
		t.Error("the signals list does not link each signal's service")
	}
}

// TestCampaignTimelineZoom: a 10-minute burst inside a campaign of a day
// is drawn over the burst, in many bars, with the whole day a link away.
func TestCampaignTimelineZoom(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Minute)
	first := now.Add(-24 * time.Hour)
	evs := []*event.Event{loginEvent(first, event.TypeLoginFailure, "192.0.2.77", "early", true)}
	burst := now.Add(-2 * time.Hour)
	for i := 0; i < 40; i++ {
		evs = append(evs, loginEvent(burst.Add(time.Duration(i)*15*time.Second), event.TypeLoginFailure, "192.0.2.77", "u"+string(rune('a'+i%26)), true))
	}
	evs = append(evs, loginEvent(now, event.TypeLoginSuccess, "192.0.2.77", "late", true))
	e.ingest("auth-api", evs...)
	sg := collector.Signal{Key: "ato\x1fday", Type: collector.SignalCredentialStuffing, Severity: collector.SeverityHigh,
		Title: "stuffing", Service: "auth-api", FirstSeen: first, LastSeen: now, IPs: []string{"192.0.2.77"}, Count: 42}
	if err := e.store.RecordSignals(context.Background(), []collector.Signal{sg}); err != nil {
		t.Fatal(err)
	}
	id := collector.SignalID(sg.Key)
	adm := e.admin()
	_, body := adm.get("/signals/" + id)
	if !strings.Contains(body, `where 40 of the 42 attempts are (2 outside)`) || !strings.Contains(body, `href="/signals/`+id+`?timeline=all#timeline" id="whole-span"`) {
		t.Error("the timeline does not say it zoomed to the burst")
	}
	if n := strings.Count(body, `<rect class="c-fail"`); n < 20 {
		t.Errorf("the burst is %d bars, want one a 15 s bar at least 20", n)
	}
	if !strings.Contains(body, "a bar is 15s.") {
		t.Error("the bar's width is not said")
	}
	_, body = adm.get("/signals/" + id + "?timeline=all")
	if strings.Contains(body, `id="whole-span"`) || !strings.Contains(body, "a bar is 30m.") {
		t.Error("the whole span is not drawn in bars of 30 minutes")
	}
	if n := strings.Count(body, `<rect class="c-fail"`); n < 2 || n > 3 {
		t.Errorf("the whole day: %d failure bars, want the early one and the burst's one or two", n)
	}
}

// TestTriggerValueAsSent: an attack shows the value as the client sent it
// first, the matched form beside it; an event without the value as sent
// (an older library) shows the matched value alone.
func TestTriggerValueAsSent(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	e.ingest("shop", attackEvent(now.Add(-time.Minute), "203.0.113.7", "xss-001", "<script>alert(1)</script>", "%3CSCRIPT%3EAlert(1)", "<script>"),
		attackEvent(now.Add(-time.Minute), "203.0.113.8", "xss-001", "<script>alert(2)</script>", "", "<script>"))
	adm := e.admin()
	p, err := e.store.Signals(context.Background(), collector.SignalQuery{Types: []string{collector.SignalAttack}})
	if err != nil || len(p.Signals) != 2 {
		t.Fatal(p, err)
	}
	for _, sg := range p.Signals {
		_, body := adm.get("/signals/" + sg.ID)
		switch sg.IPs[0] {
		case "203.0.113.7":
			want := `<code class="value sent" title="as the client sent it">%3CSCRIPT%3EAlert(1)</code><br><span class="muted">matched as</span> <code class="value matched"><mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;</code>`
			if !strings.Contains(body, want) {
				t.Errorf("the attack with its value as sent lacks %s", want)
			}
		default:
			if strings.Contains(body, "matched as") || !strings.Contains(body, `<code class="value"><mark>&lt;script&gt;</mark>alert(2)&lt;/script&gt;</code>`) {
				t.Error("an event without the value as sent does not show the matched value alone")
			}
		}
	}
}
