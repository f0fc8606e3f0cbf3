package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

func TestExploitPage(t *testing.T) {
	e := newEnv(t)
	e.ingest("users-api", exploitEvent(time.Now().UTC(), "203.0.113.7", "sqlmap", "/users?name=x'+OR+'1'='1",
		"SELECT id FROM users WHERE name = 'x' OR '1'='1'", "x' OR '1'='1"))
	sig := e.firstSignal(collector.SignalExploit)
	resp, body := e.admin().get("/signals/" + sig.ID)
	mustOK(t, resp, body)
	for _, want := range []string{
		`<pre class="resource" id="resource">SELECT id FROM users WHERE name = &#39;<mark>x&#39; OR &#39;1&#39;=&#39;1</mark>&#39;</pre>`,
		`<li class="here"><span class="fn">main.usersHandler</span> <code class="fl" title="/app/routes/users.go:42">routes/users.go:42</code></li>`,
		`/go/rampart/sqlguard/conn.go:88`,
		`GET /users?name=x&#39;&#43;OR&#43;&#39;1&#39;=&#39;1`,
		`server.request.query`,
		`Blocked (mode block)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the exploit page lacks %s", want)
		}
	}
}

func TestAccountTakeoverPage(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	var evs []*event.Event
	for i := 0; i < 12; i++ {
		evs = append(evs, loginEvent(now.Add(time.Duration(i)*time.Second), event.TypeLoginFailure, "192.0.2.77", "user"+strconv.Itoa(i), i%2 == 0))
	}
	evs = append(evs, loginEvent(now.Add(12*time.Second), event.TypeLoginSuccess, "192.0.2.77", "user4", true))
	// noise: another IP, another time
	evs = append(evs, loginEvent(now.Add(5*time.Second), event.TypeLoginFailure, "192.0.2.200", "other", true),
		loginEvent(now.Add(-time.Hour), event.TypeLoginFailure, "192.0.2.77", "user1", true))
	e.ingest("auth-api", evs...)
	ctx := context.Background()
	sg := collector.Signal{Key: "ato\x1fcredential_stuffing\x1f192.0.2.77", Type: collector.SignalCredentialStuffing, Severity: collector.SeverityHigh,
		Title: "one IP failed on 12 distinct logins", Service: "auth-api", FirstSeen: now, LastSeen: now.Add(12 * time.Second),
		IPs: []string{"192.0.2.77"}, Count: 13,
		Evidence: []json.RawMessage{json.RawMessage(`{"type":"detection","time":"` + now.Add(12*time.Second).Format(time.RFC3339) +
			`","reason":"one IP failed on 12 distinct logins <b>x</b>","count":13,"failures":12,"metrics":{"failure_ratio":0.923,"distinct_logins":12}}`)}}
	if err := e.store.RecordSignals(ctx, []collector.Signal{sg}); err != nil {
		t.Fatal(err)
	}
	id := collector.SignalID(sg.Key)
	if _, err := e.store.PutDecision(ctx, &collector.Decision{Kind: collector.BlockIP, Value: "192.0.2.77", Reason: "stuffing", Author: "detector",
		SignalID: id, ExpiresAt: now.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The block refuses the address's next three requests in-process.
	var refused []*event.Event
	for i := range 3 {
		refused = append(refused, &event.Event{Type: event.TypeAttack, Time: now.Add(time.Duration(20+i) * time.Second), Service: "auth-api", Blocked: true,
			Request:  &event.Request{Method: "POST", URI: "/login", ClientIP: "192.0.2.77"},
			Triggers: []event.Trigger{{RuleID: "rp-block-ip", RuleName: "Blocked client IP address", Category: "security_response", Blocking: true}}})
	}
	e.ingest("auth-api", refused...)
	resp, body := e.admin().get("/signals/" + id)
	mustOK(t, resp, body)
	for _, want := range []string{`<dd id="count" title="every login attempt of the campaign, those after its detection too">13 login attempts</dd>`,
		`<dt>refused after the block</dt><dd class="refused"><a href="/signals/` + collector.SignalID(collector.AttackKey("auth-api", "rp-block-ip", "192.0.2.77")) +
			`">3 requests</a> from <code>192.0.2.77</code>, refused in-process</dd>`, `<dt>attempts counted when detected</dt><dd>13</dd>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(body, `<rect class="c-fail"`); n != 12 {
		t.Errorf("%d failure bars, want 12 (one a second)", n)
	}
	if n := strings.Count(body, `<rect class="c-ok"`); n != 1 {
		t.Errorf("%d success bars, want 1", n)
	}
	if !strings.Contains(body, "13 attempts between first and last seen") {
		t.Error("the attempt count is not 13 (the other IP's and the earlier one are not the campaign's)")
	}
	ipRow := regexp.MustCompile(`<td><code>192\.0\.2\.77</code> <span class="ipfact" data-kind="documentation">.*?</span></td><td class="num">12</td><td class="num">1</td>`)
	if !ipRow.MatchString(body) {
		t.Error("the attacker IP row does not show 12 failures and 1 success")
	}
	for _, want := range []string{`<h2>What the detector saw</h2>`, `one IP failed on 12 distinct logins &lt;b&gt;x&lt;/b&gt;`,
		`<dt>failure ratio</dt><dd>0.923</dd>`, `<dt>distinct logins</dt><dd>12</dd>`, `<dt>failures</dt><dd>12</dd>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the detection evidence lacks %s", want)
		}
	}
	if strings.Contains(body, "<h2>Latest events</h2>") {
		t.Error("the detector's evidence is listed as a request event")
	}
	if strings.Contains(body, "192.0.2.200") {
		t.Error("another IP's login is shown")
	}
	for _, want := range []string{`<td><code>user1</code></td><td>does not exist</td>`, `<td><code>user2</code></td><td>exists</td>`,
		`<td><code>user4</code></td><td>exists</td><td class="num">1</td><td class="num">1</td>`, `<td>block IP</td><td><code>192.0.2.77</code></td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestDecisionsReachTheAPI(t *testing.T) {
	e := newEnv(t)
	adm := e.admin()
	adm.get("/decisions")
	for _, bad := range []url.Values{
		{"kind": {"block_ip"}, "value": {"not-an-ip"}, "ttl": {"1h"}},
		{"kind": {"block_ip"}, "value": {"203.0.113.5"}, "ttl": {"3 weeks"}},
		{"kind": {"delete_everything"}, "value": {"x"}, "ttl": {"1h"}},
		{"kind": {"block_user"}, "value": {"  "}, "ttl": {"1h"}},
		{"kind": {"block_user"}, "value": {strings.Repeat("u", 2000)}, "ttl": {"1h"}},
		// never loopback, nor a range holding it
		{"kind": {"block_ip"}, "value": {"127.0.0.1"}, "ttl": {"1h"}},
		{"kind": {"challenge_ip"}, "value": {"0.0.0.0/0"}, "ttl": {"1h"}},
	} {
		resp, body := adm.post("/decisions", bad)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) {
			t.Errorf("%v: %d, want 400 with the error on the form", bad, resp.StatusCode)
		}
	}
	start := time.Now()
	for _, f := range []url.Values{
		{"kind": {"block_ip"}, "value": {"203.0.113.0/24"}, "ttl": {"4h"}, "reason": {"scanner"}},
		{"kind": {"block_user"}, "value": {"mallory"}, "ttl": {"never"}},
		{"kind": {"challenge_user"}, "value": {"alice"}, "ttl": {"24h"}},
	} {
		if resp, body := adm.post("/decisions", f); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%v: %d %s", f, resp.StatusCode, body)
		}
		adm.get("/decisions")
	}
	// what the functions poll
	var got collector.DecisionsResponse
	deadline := time.Now().Add(3 * time.Second)
	for {
		got = e.pollDecisions()
		if len(got.Decisions) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	byValue := map[string]collector.Decision{}
	for _, d := range got.Decisions {
		byValue[d.Value] = d
	}
	ip, user, step := byValue["203.0.113.0/24"], byValue["mallory"], byValue["alice"]
	if ip.Kind != collector.BlockIP || ip.ExpiresAt.Sub(start) < 4*time.Hour-time.Minute || ip.ExpiresAt.Sub(start) > 4*time.Hour+time.Minute || ip.Reason != "scanner" {
		t.Errorf("block_ip: %+v", ip)
	}
	if user.Kind != collector.BlockUser || !user.ExpiresAt.IsZero() || user.Author != "ui:admin" {
		t.Errorf("block_user: %+v", user)
	}
	if step.Kind != collector.ChallengeUser {
		t.Errorf("challenge_user: %+v", step)
	}
	_, body := adm.get("/decisions")
	for _, want := range []string{"203.0.113.0/24", "mallory", "step-up for user"} {
		if !strings.Contains(body, want) {
			t.Errorf("the decisions page lacks %s", want)
		}
	}
	// unblock
	m := regexp.MustCompile(`action="/decisions/(dec_[0-9a-f]+)/delete"`).FindAllStringSubmatch(body, -1)
	if len(m) != 3 {
		t.Fatalf("%d delete forms, want 3", len(m))
	}
	if resp, _ := adm.post("/decisions/"+m[0][1]+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(3 * time.Second)
	for len(e.pollDecisions().Decisions) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the removed decision is still served")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) pollDecisions() collector.DecisionsResponse {
	e.t.Helper()
	var out collector.DecisionsResponse
	req, _ := http.NewRequest("GET", e.http.URL+"/v1/decisions", nil)
	req.Header.Set("Authorization", "Bearer "+ingestKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := decodeJSON(resp, &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

var rowRe = regexp.MustCompile(`<a class="sig" href="/signals/(sig_[0-9a-f]+)"`)

func TestSignalsPagingAndFilters(t *testing.T) {
	e := newEnv(t)
	seedSignals(t, e.store, 120)
	adm := e.admin()
	seen := map[string]bool{}
	path := "/signals?status=&range=all"
	var sizes []int
	for path != "" {
		resp, body := adm.get(path)
		mustOK(t, resp, body)
		rows := rowRe.FindAllStringSubmatch(body, -1)
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			if seen[r[1]] {
				t.Fatalf("signal %s on two pages", r[1])
			}
			seen[r[1]] = true
		}
		if !strings.Contains(body, `<span class="muted" id="total">120 matching</span>`) {
			t.Fatal("the total is not 120")
		}
		path = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != 120 || len(sizes) != 3 || sizes[0] != 50 || sizes[2] != 20 {
		t.Fatalf("pages %v, %d signals", sizes, len(seen))
	}
	// the default order is the most severe first; sort=recent the newest
	for _, sort := range []string{"", collector.SortRecent} {
		q := collector.SignalQuery{Sort: collector.SortSeverity, Limit: 50}
		if sort != "" {
			q.Sort = sort
		}
		want, err := e.store.Signals(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		_, body := adm.get("/signals?status=&range=all&sort=" + sort)
		rows := rowRe.FindAllStringSubmatch(body, -1)
		if len(rows) != 50 {
			t.Fatalf("sort %q: %d rows", sort, len(rows))
		}
		for i, r := range rows {
			if r[1] != want.Signals[i].ID {
				t.Fatalf("sort %q: row %d is %s, want %s (%s)", sort, i, r[1], want.Signals[i].ID, want.Signals[i].Severity)
			}
		}
		if sort == "" && want.Signals[0].Severity != collector.SeverityCritical {
			t.Fatalf("the most severe first starts with %s", want.Signals[0].Severity)
		}
	}
	// filters: what the store says for the same query
	want, err := e.store.Signals(context.Background(), collector.SignalQuery{Types: []string{collector.SignalExploit}, Severities: []string{collector.SeverityHigh}, Limit: 1})
	if err != nil || want.Total == 0 {
		t.Fatalf("store: %v %d", err, want.Total)
	}
	_, body := adm.get("/signals?type=exploit&severity=high&status=&range=all")
	if !strings.Contains(body, `id="total">`+strconv.FormatInt(want.Total, 10)+` matching`) {
		t.Errorf("filtered total is not %d", want.Total)
	}
	for _, r := range rowRe.FindAllStringSubmatch(body, -1) {
		d, err := e.store.Signal(context.Background(), r[1], 0)
		if err != nil || d.Type != collector.SignalExploit || d.Severity != collector.SeverityHigh {
			t.Errorf("filtered list shows %s (%s %s)", r[1], d.Type, d.Severity)
		}
	}
	ato, _ := e.store.Signals(context.Background(), collector.SignalQuery{Types: []string{collector.SignalBruteForce, collector.SignalCredentialStuffing,
		collector.SignalDistributedCredentialStuffing, collector.SignalAccountTakeover, collector.SignalLoginVelocity}, Limit: 1})
	_, body = adm.get("/signals?type=" + url.QueryEscape("brute_force,credential_stuffing,distributed_credential_stuffing,account_takeover,login_velocity") + "&status=&range=all")
	if ato.Total == 0 || !strings.Contains(body, `id="total">`+strconv.FormatInt(ato.Total, 10)+` matching`) || !strings.Contains(body, `selected>any account takeover`) {
		t.Errorf("the account-takeover filter does not show the %d such signals", ato.Total)
	}
	_, body = adm.get("/signals?service=service-2&status=&range=all")
	if !strings.Contains(body, `id="total">24 matching`) {
		t.Error("service filter: not 24 of 120")
	}
	// the default: open signals of any time
	_, body = adm.get("/signals")
	if !strings.Contains(body, `id="total">120 matching`) || !strings.Contains(body, `<option value="all" selected>any time</option>`) {
		t.Error("the default list is not every open signal")
	}
	_, body = adm.get("/signals?status=&range=1h")
	if strings.Contains(body, `id="total">120 matching`) {
		t.Error("time filter: every signal is within the last hour")
	}
	for _, bad := range []string{"/signals?type=bogus", "/signals?severity=extreme", "/signals?status=gone", "/signals?cursor=garbage"} {
		if resp, _ := adm.get(bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestArchiveAndReopen(t *testing.T) {
	e := newEnv(t)
	e.ingest("svc", exploitEvent(time.Now().UTC(), "203.0.113.7", "ua", "/u?n=x", "SELECT 'x'", "x"))
	sig := e.firstSignal(collector.SignalExploit)
	adm := e.admin()
	adm.get("/signals/" + sig.ID)
	for _, st := range []string{collector.StatusArchived, collector.StatusOpen} {
		resp, _ := adm.post("/signals/"+sig.ID+"/status", url.Values{"status": {st}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", st, resp.StatusCode)
		}
		_, body := adm.get(resp.Header.Get("Location"))
		if d, _ := e.store.Signal(context.Background(), sig.ID, 0); d.Status != st || !strings.Contains(body, `<dd id="status">`+st+`</dd>`) {
			t.Fatalf("status %s, page %v; want %s", d.Status, strings.Contains(body, st), st)
		}
	}
	if resp, _ := adm.post("/signals/"+sig.ID+"/status", url.Values{"status": {"deleted"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad status: %d", resp.StatusCode)
	}
	if resp, _ := adm.get("/signals/sig_nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown signal: %d", resp.StatusCode)
	}
}

func TestOverview(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	atk := func(ip, route string, blocked bool) *event.Event {
		return &event.Event{Type: event.TypeAttack, Time: now.Add(-time.Minute), Blocked: blocked, Mode: "block", Version: "0.9.1", Function: "orders-fn",
			Request:  &event.Request{Method: "POST", URI: route + "?q=1", ClientIP: ip},
			Triggers: []event.Trigger{{RuleID: "sqli-001", Category: "sqli", Address: "server.request.query"}}}
	}
	e.ingest("orders", atk("203.0.113.1", "/a", true), atk("203.0.113.1", "/a", true), atk("203.0.113.1", "/b", false), atk("203.0.113.2", "/a", false),
		exploitEvent(now.Add(-2*time.Minute), "203.0.113.3", "ua", "/users?name=x", "SELECT 'x'", "x"))
	resp, body := e.admin().get("/?range=1h")
	mustOK(t, resp, body)
	for _, want := range []string{
		`<span class="k">Attacks</span><span class="v">4</span>`,
		`<span class="k">Exploits</span><span class="v">1</span>`,
		`<span class="k">Blocked</span><span class="v">3</span>`,
		`<span class="k">Monitored only</span><span class="v">2</span>`,
		`<td><code>203.0.113.1</code></td><td><span class="ipfact" data-kind="documentation"><span class="tag tag-documentation">documentation</span> <a class="muted ipsig" href="/signals?ip=203.0.113.1&amp;status=" title="the signals that name 203.0.113.1">1 signal</a></span></td><td class="num">3</td><td><a href="/decisions?kind=block_ip&amp;value=203.0.113.1">`,
		`<td><code>POST /a</code></td><td class="num">3</td><td class="num">2</td>`,
		`<td><code>sqli-001</code></td><td>attack</td><td class="num">4</td>`,
		`<td>orders</td><td>orders-fn</td>`, `0.9.1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
	if n := strings.Count(body, `<rect class="c-attack"`) + strings.Count(body, `<rect class="c-exploit"`); n < 1 || n > 2 {
		t.Errorf("%d bars for events within two minutes", n)
	}
}

// The overview counts the requests the WAF's time budget cut short, with
// or without a match, and not an event whose text merely contains the
// field.
func TestOverviewTimeouts(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	req := &event.Request{Method: "POST", URI: "/comments", ClientIP: "203.0.113.9"}
	trig := []event.Trigger{{RuleID: "xss-001", Category: "xss", Address: "server.request.body"}}
	e.ingest("blog",
		&event.Event{Type: event.TypeAttack, Time: now.Add(-time.Minute), Request: req, Triggers: trig, TimedOut: true, NotRun: []string{"sqli-001"}, NotRunCount: 1},
		&event.Event{Type: event.TypeRequest, Time: now.Add(-time.Minute), Request: req, TimedOut: true, NotRun: []string{"xss-001", "sqli-001"}, NotRunCount: 2},
		&event.Event{Type: event.TypeAttack, Time: now.Add(-time.Minute), Triggers: trig,
			Request: &event.Request{Method: "GET", URI: `/?q="timed_out":true`, ClientIP: "203.0.113.9"}})
	resp, body := e.admin().get("/?range=1h")
	mustOK(t, resp, body)
	for _, want := range []string{
		`<span class="k">Timed out</span><span class="v">2</span>`,
		`<span class="k">Attacks</span><span class="v">2</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
}

func TestIngestKeyShownOnce(t *testing.T) {
	e := newEnv(t)
	adm := e.admin()
	adm.get("/keys")
	resp, body := adm.post("/keys", url.Values{"name": {"checkout prod"}, "service": {"checkout"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	secret := regexp.MustCompile(`<code class="secret-value">(rk_ingest_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(body)
	if secret == nil {
		t.Fatal("the new key is not shown")
	}
	ks, _ := e.store.Keys(context.Background())
	var id string
	for _, k := range ks {
		if k.Hash == collector.HashSecret(secret[1]) {
			id = k.ID
		}
	}
	if id == "" {
		t.Fatal("the key shown is not the key stored")
	}
	for _, k := range ks {
		if k.ID == id && k.Service != "checkout" {
			t.Fatalf("the key's service: %q", k.Service)
		}
	}
	_, body = adm.get("/keys")
	if strings.Contains(body, secret[1]) || !strings.Contains(body, "checkout prod") || !strings.Contains(body, "<td>checkout</td>") {
		t.Fatal("the keys page shows the secret again, or not the key")
	}
	if resp, _ := adm.post("/keys/admin/revoke", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the UI revokes the admin token: %d", resp.StatusCode)
	}
	adm.get("/keys")
	if resp, _ := adm.post("/keys/"+id+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	ks, _ = e.store.Keys(context.Background())
	for _, k := range ks {
		if k.ID == id && k.RevokedAt.IsZero() {
			t.Fatal("not revoked")
		}
	}
}

func TestBulkArchiveAndReopen(t *testing.T) {
	e := newEnv(t)
	seedSignals(t, e.store, 6)
	adm := e.admin()
	_, body := adm.get("/signals?status=open&range=all")
	rows := rowRe.FindAllStringSubmatch(body, -1)
	if len(rows) != 6 || !strings.Contains(body, `id="bulk-archive"`) {
		t.Fatalf("%d rows, bulk form %v", len(rows), strings.Contains(body, `id="bulk-archive"`))
	}
	ids := []string{rows[0][1], rows[3][1]}
	resp, _ := adm.post("/signals/bulk", url.Values{"status": {collector.StatusArchived}, "id": ids, "return": {"/signals?status=open&range=all"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signals?status=open&range=all&done=archived&n=2") {
		t.Fatalf("bulk archive: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = adm.get(resp.Header.Get("Location"))
	if n := len(rowRe.FindAllStringSubmatch(body, -1)); n != 4 || !strings.Contains(body, `<span id="bulk-done">2 signals changed.</span>`) {
		t.Fatalf("after archiving two: %d open rows", n)
	}
	for i, id := range []string{rows[0][1], rows[1][1], rows[3][1]} {
		d, err := e.store.Signal(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: collector.StatusArchived, false: collector.StatusOpen}[i != 1]; d.Status != want {
			t.Fatalf("%s: %s, want %s", id, d.Status, want)
		}
	}
	if resp, _ := adm.post("/signals/bulk", url.Values{"status": {collector.StatusOpen}, "id": ids, "return": {"https://evil.example/"}}); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signals?done=reopened") {
		t.Fatalf("bulk reopen: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if d, _ := e.store.Signal(context.Background(), ids[1], 0); d.Status != collector.StatusOpen {
		t.Fatalf("not reopened: %s", d.Status)
	}
	for _, bad := range []url.Values{{"status": {"deleted"}, "id": ids}, {"status": {"open"}}, {"status": {"open"}, "id": {"'><script>"}}} {
		if resp, _ := adm.post("/signals/bulk", bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", bad, resp.StatusCode)
		}
	}
	// without the form's token, nothing changes
	if resp, _ := adm.do("POST", "/signals/bulk", url.Values{"status": {collector.StatusArchived}, "id": ids}); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a bulk action without the CSRF token was done")
	}
	if d, _ := e.store.Signal(context.Background(), ids[0], 0); d.Status != collector.StatusOpen {
		t.Fatalf("archived without the CSRF token: %s", d.Status)
	}
}

func TestOverviewAccountTakeover(t *testing.T) {
	e := newEnv(t)
	// A minute into a bar of the 24-hour chart (30 minutes, aligned), so
	// that the campaign's 12 seconds never straddle two bars.
	now := time.Now().UTC().Add(-10 * time.Minute).Truncate(30 * time.Minute).Add(time.Minute)
	var evs []*event.Event
	for i := 0; i < 12; i++ {
		evs = append(evs, loginEvent(now.Add(time.Duration(i)*time.Second), event.TypeLoginFailure, "192.0.2.77", "user"+strconv.Itoa(i), true))
	}
	evs = append(evs, loginEvent(now.Add(12*time.Second), event.TypeLoginSuccess, "192.0.2.77", "user4", true),
		loginEvent(now.Add(-time.Hour), event.TypeLoginFailure, "192.0.2.77", "user1", true),
		loginEvent(now.Add(-48*time.Hour), event.TypeLoginFailure, "192.0.2.77", "user1", true)) // out of the window
	e.ingest("auth-api", evs...)
	sg := collector.Signal{Key: "ato\x1fcredential_stuffing\x1f192.0.2.77", Type: collector.SignalCredentialStuffing, Severity: collector.SeverityHigh,
		Title: "one IP failed on 12 distinct logins", Service: "auth-api", FirstSeen: now, LastSeen: now.Add(12 * time.Second), IPs: []string{"192.0.2.77"}, Count: 13}
	if err := e.store.RecordSignals(context.Background(), []collector.Signal{sg}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.admin().get("/?range=24h")
	mustOK(t, resp, body)
	for _, want := range []string{
		`<span id="login-failures">13</span> login failures, <span id="login-successes">1</span> successes.`,
		`<a href="/signals/` + collector.SignalID(sg.Key) + `">one IP failed on 12 distinct logins</a>`,
		`<tr><td><code>user1</code></td><td class="num">2</td></tr>`,
		`(1 open)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
	if n := strings.Count(body, `<rect class="c-fail"`); n < 2 {
		t.Errorf("%d failure bars, want 2 or more (two buckets)", n)
	}
	// 13 of the 14 logins in one bar of 30 minutes: drawn again over it,
	// in bars of 30 s
	zoom := body[strings.Index(body, `<div id="ato-zoom">`)+1:]
	if !strings.Contains(body, `<div id="ato-zoom">`) || !strings.Contains(zoom, "(a bar is 30s)") {
		t.Fatal("the overview does not zoom to the campaign")
	}
	zoom = zoom[:strings.Index(zoom, "</div>")]
	if n := strings.Count(zoom, `<rect class="c-fail"`) + strings.Count(zoom, `<rect class="c-ok"`); n < 1 || n > 3 {
		t.Errorf("the zoom has %d bars for 13 logins in 13 s, want 1 to 3", n)
	}
	// spread over the day: no zoom
	e2 := newEnv(t)
	var spread []*event.Event
	for i := 0; i < 24; i++ {
		spread = append(spread, loginEvent(time.Now().UTC().Add(-time.Duration(i)*time.Hour-time.Minute), event.TypeLoginFailure, "192.0.2.7", "u", true))
	}
	e2.ingest("auth-api", spread...)
	if _, body := e2.admin().get("/?range=24h"); strings.Contains(body, `id="ato-zoom"`) {
		t.Error("logins spread over the day are zoomed to")
	}
}
