package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// ranges are the time windows the overview and the signal filters offer.
var ranges = []struct {
	Name    string
	D       time.Duration
	Buckets int
}{
	{"1h", time.Hour, 60},
	{"24h", 24 * time.Hour, 48},
	{"7d", 7 * 24 * time.Hour, 56},
	{"30d", 30 * 24 * time.Hour, 60},
}

// rangeOf returns the window named name (def when unknown); "all" (no
// window) only where all is allowed.
func rangeOf(name, def string, all bool) (string, time.Duration, int) {
	if name == "all" && all {
		return "all", 0, 0
	}
	for _, r := range ranges {
		if r.Name == name {
			return r.Name, r.D, r.Buckets
		}
	}
	if name != def {
		return rangeOf(def, def, all)
	}
	return "24h", 24 * time.Hour, 48
}

var funcs = template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago":      func(t time.Time) string { return ago(time.Since(t)) },
	"typeName": func(t string) string { return strings.ReplaceAll(t, "_", " ") },
	"fmtInt":   fmtInt,
	"isATO":    isATO,
	"pct": func(a, b int64) string {
		if a+b == 0 {
			return "0%"
		}
		return strconv.FormatFloat(100*float64(a)/float64(a+b), 'f', 0, 64) + "%"
	},
	"exists": func(b *bool) string {
		switch {
		case b == nil:
			return "unknown"
		case *b:
			return "exists"
		}
		return "does not exist"
	},
	"can": allowed,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
	"decisionName": decisionName,
	"minus":        func(a, b int) int { return a - b },
	"ruleName":     ruleName,
	"int64":        func(n int) int64 { return int64(n) },
	"shortTitle":   shortTitle,
	"shortPath":    shortPath,
	"foldStack":    foldStack,
	"clip":         clip,
}

// clip shortens s to at most n runes, marking the cut.
func clip(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

func decisionName(k string) string {
	switch k {
	case collector.BlockIP:
		return "block IP"
	case collector.BlockUser:
		return "block user"
	case collector.ChallengeIP:
		return "step-up for IP"
	case collector.ChallengeUser:
		return "step-up for user"
	}
	return k
}

func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

// atoTypes are the account-takeover signal types.
var atoTypes = []string{collector.SignalBruteForce, collector.SignalCredentialStuffing, collector.SignalDistributedCredentialStuffing,
	collector.SignalAccountTakeover, collector.SignalLoginVelocity}

func isATO(t string) bool {
	switch t {
	case collector.SignalBruteForce, collector.SignalCredentialStuffing, collector.SignalDistributedCredentialStuffing,
		collector.SignalAccountTakeover, collector.SignalLoginVelocity:
		return true
	}
	return false
}

// Overview.

type overviewData struct {
	Range  string
	Ranges []string
	O      *Overview
	Chart  *chart
	// OpenTotal is the number of open signals.
	OpenTotal int64
	// IPs are the facts of the top IPs, in their order.
	IPs []ipFact
	// Account takeover: the logins over time, the open campaigns active
	// in the window and the accounts with the most failures.
	Logins                  *chart
	LoginFailures, LoginOKs int64
	// LoginsZoom is the busiest part of the logins' chart, drawn finer
	// (nil when they are spread over the window): [ZoomFrom, ZoomTo) in
	// bars of ZoomStep.
	LoginsZoom       *chart
	ZoomFrom, ZoomTo time.Time
	ZoomStep         string
	Campaigns        []collector.Signal
	CampaignsTotal   int64
	Accounts         []Count
	// ATOTypes is the type filter of every account-takeover type.
	ATOTypes string
}

func rangeNames() []string {
	var out []string
	for _, r := range ranges {
		out = append(out, r.Name)
	}
	return out
}

func (u *UI) overviewPage(w http.ResponseWriter, r *http.Request) {
	name, d, n := rangeOf(r.URL.Query().Get("range"), "24h", false)
	now := u.now()
	step := d / time.Duration(n)
	until := now.Truncate(step).Add(step)
	since := until.Add(-d)
	u.mu.Lock()
	c, ok := u.overview[name]
	u.mu.Unlock()
	o := c.o
	if !ok || now.Sub(c.at) > overviewTTL || c.o.Until != until {
		var err error
		if o, err = u.read.Overview(r.Context(), since, until, n); err != nil {
			u.fail(w, r, err)
			return
		}
		u.mu.Lock()
		u.overview[name] = cachedOverview{at: now, o: o}
		u.mu.Unlock()
	}
	data := &overviewData{Range: name, Ranges: rangeNames(), O: o,
		Chart: stacked("Attacks and exploits over time", o.Since, o.Bucket, []string{"attacks", "exploits"}, []string{"c-attack", "c-exploit"}, o.Attacks, o.Exploits)}
	for _, s := range o.OpenBySeverity {
		data.OpenTotal += s.N
	}
	_, ds, err := u.store.Decisions(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ips := make([]string, len(o.TopIPs))
	for i, c := range o.TopIPs {
		ips[i] = c.Label
	}
	counts, err := u.ips.SignalCountsByIP(r.Context(), ips)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.IPs = factsOf(ips, ds, counts, now, u.geo)
	fails, oks, accounts, err := u.read.LoginOverview(r.Context(), o.Since, o.Until, len(o.Attacks))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Logins = stacked("Login failures and successes over time", o.Since, o.Bucket, []string{"failures", "successes"}, []string{"c-fail", "c-ok"}, fails, oks)
	totals := make([]int64, len(fails))
	for i := range fails {
		data.LoginFailures += fails[i]
		data.LoginOKs += oks[i]
		totals[i] = fails[i] + oks[i]
	}
	if i, j, ok := busiestRun(totals); ok {
		// a campaign of minutes is one bar of the window's: draw its
		// part of the window again, in bars sized for it
		v := &timelineView{From: o.Since.Add(time.Duration(i) * o.Bucket), To: o.Since.Add(time.Duration(j+1) * o.Bucket)}
		v.Step = stepFor(v.To.Sub(v.From))
		n := int((v.To.Sub(v.From) + v.Step - 1) / v.Step)
		zf, zo, _, err := u.read.LoginOverview(r.Context(), v.From, v.From.Add(time.Duration(n)*v.Step), n)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		data.LoginsZoom = stacked("Login failures and successes, the busiest part of the window", v.From, v.Step,
			[]string{"failures", "successes"}, []string{"c-fail", "c-ok"}, zf, zo)
		data.ZoomFrom, data.ZoomTo, data.ZoomStep = v.From, v.To, v.StepName()
	}
	data.Accounts = accounts
	camp, err := u.store.Signals(r.Context(), collector.SignalQuery{Types: atoTypes, Status: collector.StatusOpen, Since: o.Since, Limit: 5})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Campaigns, data.CampaignsTotal, data.ATOTypes = camp.Signals, camp.Total, strings.Join(atoTypes, ",")
	u.render(w, r, http.StatusOK, "overview", &page{Title: "Overview", Nav: "overview", Data: data})
}

// Signals.

type signalsData struct {
	Type, Severity, Status, Service, IP, Range string
	// Sort is the order: severity (the default) or recent.
	Sort string
	// ATO is the type filter of every account-takeover type.
	ATO                       string
	Types, Severities, Ranges []string
	Page                      collector.SignalPage
	Next, First               string
	Paged                     bool
	// Self is this page's URL, where a bulk action returns.
	Self string
	// Bulk is the number of signals the bulk action that led here changed.
	Bulk int
	// Rows are the signals of the page with what the list shows beside
	// them.
	Rows []signalRow
}

// signalRow is a signal of the list: its notes (nil without any) and the
// link to its service's signals.
type signalRow struct {
	S          *collector.Signal
	Note       *collector.NoteSummary
	ServiceURL string
}

func (u *UI) signalsPage(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()
	d := &signalsData{Type: in.Get("type"), Severity: in.Get("severity"), Status: in.Get("status"), Service: strings.TrimSpace(in.Get("service")),
		IP: strings.TrimSpace(in.Get("ip")), Types: collector.SignalTypes, Severities: collector.Severities, Ranges: append(rangeNames(), "all"), ATO: strings.Join(atoTypes, ",")}
	if !in.Has("status") {
		d.Status = collector.StatusOpen
	}
	d.Sort = collector.SortSeverity
	if in.Get("sort") == collector.SortRecent {
		d.Sort = collector.SortRecent
	}
	var dur time.Duration
	d.Range, dur, _ = rangeOf(in.Get("range"), "all", true)
	q := url.Values{}
	set := func(k, v string) {
		if v != "" && v != "all" {
			q.Set(k, v)
		}
	}
	set("type", d.Type)
	set("severity", d.Severity)
	set("status", d.Status)
	set("service", d.Service)
	set("ip", d.IP)
	if dur > 0 {
		q.Set("since", u.now().Add(-dur).UTC().Format(time.RFC3339))
	}
	set("cursor", in.Get("cursor"))
	q.Set("sort", d.Sort)
	sq, err := collector.ParseSignalQuery(q)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	sq.Limit = collector.DefaultPageSize
	if d.Page, err = u.store.Signals(r.Context(), sq); err != nil {
		u.fail(w, r, err)
		return
	}
	ids := make([]string, len(d.Page.Signals))
	for i := range d.Page.Signals {
		ids[i] = d.Page.Signals[i].ID
	}
	notes, err := u.notes.SignalNoteSummaries(r.Context(), ids)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Rows = make([]signalRow, len(d.Page.Signals))
	links := map[string]string{}
	for i := range d.Page.Signals {
		sg := &d.Page.Signals[i]
		row := &d.Rows[i]
		row.S = sg
		if n, ok := notes[sg.ID]; ok {
			row.Note = &n
		}
		if sg.Service != "" {
			if row.ServiceURL = links[sg.Service]; row.ServiceURL == "" {
				row.ServiceURL = "/signals?" + url.Values{"service": {sg.Service}, "status": {d.Status}, "sort": {d.Sort}, "range": {d.Range}}.Encode()
				links[sg.Service] = row.ServiceURL
			}
		}
	}
	link := url.Values{}
	for _, k := range []string{"type", "severity", "service", "ip"} {
		if v := in.Get(k); v != "" {
			link.Set(k, v)
		}
	}
	link.Set("status", d.Status) // "" (any) too
	link.Set("sort", d.Sort)
	link.Set("range", d.Range)
	d.First = "/signals?" + link.Encode()
	d.Self = "/signals?" + r.URL.Query().Encode()
	if n, err := strconv.Atoi(in.Get("n")); err == nil && n > 0 && in.Get("done") != "" {
		d.Bulk = n
	}
	d.Paged = in.Get("cursor") != ""
	if d.Page.NextCursor != "" {
		link.Set("cursor", d.Page.NextCursor)
		d.Next = "/signals?" + link.Encode()
	}
	u.render(w, r, http.StatusOK, "signals", &page{Title: "Signals", Nav: "signals", Data: d})
}

// maxDetailEvents is the number of events a signal page shows.
const maxDetailEvents = 20

type occurrence struct {
	Time    time.Time
	IP      string
	Method  string
	URI     string
	Blocked bool
	Mode    string
}

// detection is the evidence a detector attached to its signal (an event
// of type collector.EventDetection): what it counted and the figures it
// compared with its thresholds.
type detection struct {
	Time     time.Time          `json:"time"`
	Reason   string             `json:"reason"`
	Count    int64              `json:"count"`
	Failures int64              `json:"failures"`
	Metrics  map[string]float64 `json:"metrics"`
}

// metric is one figure of a detection, for the template (sorted).
type metric struct {
	Name  string
	Value string
}

// SortedMetrics returns the metrics by name, formatted.
func (d *detection) SortedMetrics() []metric {
	out := make([]metric, 0, len(d.Metrics))
	for k, v := range d.Metrics {
		out = append(out, metric{Name: strings.ReplaceAll(k, "_", " "), Value: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	slices.SortFunc(out, func(a, b metric) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// blockIPRule is the rule of the default ruleset that enforces block_ip
// decisions (report.DataBlockedIPs).
const blockIPRule = "rp-block-ip"

// refusedView is the requests a block refused: from IP, Count of them,
// grouped into the signal ID.
type refusedView struct {
	IP, ID string
	Count  int64
}

type signalData struct {
	S      *collector.SignalDetail
	Latest *event.Event
	// Detection is the newest evidence of a detector's signal.
	Detection *detection
	Resource  highlighted
	Triggers  []triggerView
	// HasSent says a trigger has the value as sent beside the matched one.
	HasSent   bool
	Events    []occurrence
	Decisions []collector.Decision
	// account takeover: the timeline (WholeSpan when asked for the
	// signal's whole span), the attacker IPs and users, the services that
	// reported the logins
	Timeline  *timelineView
	WholeSpan bool
	IPs       []ipCount
	Users     []userCount
	Services  []string
	Logins    int
	Truncated bool
	// Notes are the signal's notes, newest first; Assignee is whom the
	// newest assigns it to.
	Notes                []noteView
	NotesTotal           int
	Assignee             string
	MaxNote, MaxAssignee int
	// QuickIPs and QuickUsers are offered as one-click decisions.
	QuickIPs, QuickUsers []string
	TTLs                 []string
	// Refused are, for an account-takeover signal, the requests its
	// blocks refused in-process (the block list's signal of each
	// blocked address).
	Refused []refusedView
	// Facts are what is known of the signal's IPs and attackers' IPs.
	Facts map[string]ipFact
}

type triggerView struct {
	event.Trigger
	// Value is the value the rule matched (after its transformers),
	// highlighted; Sent is the value as the client sent it, when the
	// event says and it differs (HasSent).
	Value   highlighted
	Sent    highlighted
	HasSent bool
}

// noteView is a note on the signal page, with what it changed of the
// assignment.
type noteView struct {
	collector.Note
	// Assigned says the note assigned the signal (to Assignee), or
	// Unassigned that it took the assignment away.
	Assigned, Unassigned bool
}

// noteViews says what each note, newest first, changed of the
// assignment.
func noteViews(ns []collector.Note) []noteView {
	out := make([]noteView, len(ns))
	for i, n := range ns {
		before := ""
		if i+1 < len(ns) {
			before = ns[i+1].Assignee
		}
		out[i] = noteView{Note: n, Assigned: n.Assignee != "" && n.Assignee != before, Unassigned: n.Assignee == "" && before != ""}
	}
	return out
}

// maxNotes bounds the notes a signal page lists (the newest).
const maxNotes = 100

func (u *UI) signalPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sd, err := u.store.Signal(ctx, r.PathValue("id"), maxDetailEvents)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := &signalData{S: sd, TTLs: ttlNames()}
	for _, raw := range sd.Events {
		var probe struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &probe) != nil {
			continue
		}
		if probe.Type == collector.EventDetection {
			// a detector's evidence, newest first: show the newest
			if d.Detection == nil {
				var det detection
				if json.Unmarshal(raw, &det) == nil {
					d.Detection = &det
				}
			}
			continue
		}
		ev := new(event.Event)
		if err := json.Unmarshal(raw, ev); err != nil {
			continue
		}
		if d.Latest == nil {
			d.Latest = ev
		}
		o := occurrence{Time: ev.Time, IP: collector.EventIP(ev), Blocked: ev.Blocked, Mode: ev.Mode}
		if ev.Request != nil {
			o.Method, o.URI = ev.Request.Method, ev.Request.URI
		}
		d.Events = append(d.Events, o)
	}
	if ev := d.Latest; ev != nil {
		if x := ev.Exploit; x != nil {
			d.Resource = highlight(x.Resource, x.Input, x.Start, x.End)
		}
		for _, t := range ev.Triggers {
			tv := triggerView{Trigger: t, Value: highlight(t.Value, t.Highlight, -1, -1)}
			if t.Raw != "" && t.Raw != t.Value {
				tv.Sent, tv.HasSent = highlightSent(t.Raw, t.Highlight), true
				d.HasSent = true
			}
			d.Triggers = append(d.Triggers, tv)
		}
	}
	if isATO(sd.Type) {
		ls, trunc, err := u.read.Logins(ctx, &sd.Signal, maxLoginRows)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		d.Logins, d.Truncated = len(ls), trunc
		d.WholeSpan = r.URL.Query().Get("timeline") == "all"
		d.Timeline = timeline(ls, sd.FirstSeen, sd.LastSeen, d.WholeSpan)
		d.IPs, d.Users = tally(ls)
		d.Services = servicesOf(ls)
	}
	notes, err := u.notes.SignalNotes(ctx, sd.ID, maxNotes+1)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.NotesTotal = len(notes)
	if len(notes) > 0 {
		d.Assignee = notes[0].Assignee
	}
	d.Notes = noteViews(notes)
	if len(d.Notes) > maxNotes {
		d.Notes = d.Notes[:maxNotes] // the oldest shown still says what it changed
	}
	d.MaxNote, d.MaxAssignee = collector.MaxNoteText, collector.MaxAssignee
	_, ds, err := u.store.Decisions(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, dc := range ds {
		if dc.SignalID == sd.ID {
			d.Decisions = append(d.Decisions, dc)
		}
	}
	if isATO(sd.Type) {
		// The requests the signal's blocks refused in-process: no login
		// attempt (they never reach the login), the signal of the block
		// list's rule for the address.
		for _, dc := range d.Decisions {
			if dc.Kind != collector.BlockIP {
				continue
			}
			id := collector.SignalID(collector.AttackKey(sd.Service, blockIPRule, dc.Value))
			if b, err := u.store.Signal(ctx, id, 0); err == nil && b.Count > 0 {
				d.Refused = append(d.Refused, refusedView{IP: dc.Value, ID: id, Count: b.Count})
			}
		}
	}
	all := slices.Clone(sd.IPs)
	for _, ic := range d.IPs {
		all = append(all, ic.IP)
	}
	counts, err := u.ips.SignalCountsByIP(ctx, all)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Facts = map[string]ipFact{}
	for _, f := range factsOf(all, ds, counts, u.now(), u.geo) {
		d.Facts[f.IP] = f
	}
	var blockable []string
	for _, ip := range sd.IPs {
		if d.Facts[ip].Blockable {
			blockable = append(blockable, ip)
		}
	}
	d.QuickIPs = first(blockable, 5)
	d.QuickUsers = first(sd.Users, 5)
	u.render(w, r, http.StatusOK, "signal", &page{Title: sd.Title, Nav: "signals", Data: d})
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (u *UI) setStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	st := r.PostForm.Get("status")
	if st != collector.StatusOpen && st != collector.StatusArchived {
		u.errorPage(w, r, http.StatusBadRequest, "The status is open or archived.")
		return
	}
	if err := u.store.SetSignalStatus(r.Context(), id, st); err != nil {
		u.fail(w, r, err)
		return
	}
	done := "archived"
	if st == collector.StatusOpen {
		done = "reopened"
	}
	http.Redirect(w, r, "/signals/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

// postNote stores a note on the signal: the text, and whom the signal is
// assigned to from now on (the form offers the current assignee).
func (u *UI) postNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	text := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n"))
	assignee := strings.TrimSpace(r.PostForm.Get("assignee"))
	switch {
	case !utf8.ValidString(text) || !utf8.ValidString(assignee):
		u.errorPage(w, r, http.StatusBadRequest, "The note is not valid UTF-8.")
		return
	case len(text) > collector.MaxNoteText:
		u.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("A note has at most %d bytes.", collector.MaxNoteText))
		return
	case len(assignee) > collector.MaxAssignee || strings.ContainsFunc(assignee, unicode.IsControl):
		u.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("Whom the signal is assigned to is one line of at most %d bytes.", collector.MaxAssignee))
		return
	}
	prev, err := u.notes.SignalNotes(ctx, id, 1)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	current := ""
	if len(prev) > 0 {
		current = prev[0].Assignee
	}
	if text == "" && assignee == current {
		u.errorPage(w, r, http.StatusBadRequest, "Write a note, or change whom the signal is assigned to.")
		return
	}
	login := sessionOf(r).Login
	n := &collector.Note{SignalID: id, Author: login, Text: text, Assignee: assignee, CreatedAt: u.now().UTC()}
	if err := u.notes.AddSignalNote(ctx, n); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: note", "signal", id, "by", login, "assignee", assignee)
	http.Redirect(w, r, "/signals/"+url.PathEscape(id)+"?done=note#notes", http.StatusSeeOther)
}

// maxBulk bounds the signals of one bulk action (two pages).
const maxBulk = 2 * collector.DefaultPageSize

// bulkStatus archives or reopens the signals checked on the list.
func (u *UI) bulkStatus(w http.ResponseWriter, r *http.Request) {
	st := r.PostForm.Get("status")
	if st != collector.StatusOpen && st != collector.StatusArchived {
		u.errorPage(w, r, http.StatusBadRequest, "The status is open or archived.")
		return
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 || len(ids) > maxBulk {
		u.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("Check 1 to %d signals.", maxBulk))
		return
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "sig_") {
			u.errorPage(w, r, http.StatusBadRequest, "Not a signal id.")
			return
		}
	}
	for _, id := range ids {
		if err := u.store.SetSignalStatus(r.Context(), id, st); err != nil && collector.ErrorCode(err) != collector.ENotFound {
			u.fail(w, r, err)
			return
		}
	}
	u.log.Info("ui: signals "+st, "n", len(ids), "by", sessionOf(r).Login)
	back := "/signals"
	if ret := r.PostForm.Get("return"); safeNext(ret) && (ret == "/signals" || strings.HasPrefix(ret, "/signals?")) {
		back = ret
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	done := "archived"
	if st == collector.StatusOpen {
		done = "reopened"
	}
	http.Redirect(w, r, back+sep+"done="+done+"&n="+strconv.Itoa(len(ids)), http.StatusSeeOther)
}

// Decisions.

// ttls are the expiries the decision forms offer.
var ttls = []struct {
	Name string
	D    time.Duration
}{{"1h", time.Hour}, {"4h", 4 * time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"never", 0}}

func ttlNames() []string {
	var out []string
	for _, t := range ttls {
		out = append(out, t.Name)
	}
	return out
}

// maxListed bounds the decisions the page lists (the newest; detectors
// can make thousands).
const maxListed = 500

type decisionsData struct {
	Version int64
	Active  []collector.Decision
	Expired []collector.Decision
	// ActiveTotal and ExpiredTotal count them all.
	ActiveTotal, ExpiredTotal int
	Kinds                     []string
	TTLs                      []string
	Kind                      string
	Value                     string
	Error                     string
	Reason                    string
	TTL                       string
	SignalID                  string
	ReturnURL                 string
}

var decisionKinds = []string{collector.BlockIP, collector.BlockUser, collector.ChallengeUser, collector.ChallengeIP}

func (u *UI) decisionsPage(w http.ResponseWriter, r *http.Request) {
	d := &decisionsData{Kind: collector.BlockIP, TTL: "24h"}
	// a link may prefill the form (from the overview's top IPs)
	q := r.URL.Query()
	if k := q.Get("kind"); slices.Contains(decisionKinds, k) {
		d.Kind = k
	}
	if v := q.Get("value"); len(v) <= maxDecisionValue {
		d.Value = v
	}
	u.renderDecisions(w, r, http.StatusOK, d)
}

func (u *UI) renderDecisions(w http.ResponseWriter, r *http.Request, status int, d *decisionsData) {
	v, ds, err := u.store.Decisions(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Version, d.Kinds, d.TTLs = v, decisionKinds, ttlNames()
	now := u.now()
	for i := len(ds) - 1; i >= 0; i-- { // newest first
		if ds[i].Active(now) {
			d.ActiveTotal++
			if len(d.Active) < maxListed {
				d.Active = append(d.Active, ds[i])
			}
		} else {
			d.ExpiredTotal++
			if len(d.Expired) < maxListed/5 {
				d.Expired = append(d.Expired, ds[i])
			}
		}
	}
	u.render(w, r, status, "decisions", &page{Title: "Decisions", Nav: "decisions", Data: d})
}

// maxDecisionValue bounds a decision's value and reason, as the API does.
const maxDecisionValue = 1024

// decisionFromForm validates the form of a new decision; its error is a
// message for the form.
func decisionFromForm(f url.Values, now time.Time) (*collector.Decision, error) {
	d := &collector.Decision{Kind: f.Get("kind"), Value: strings.TrimSpace(f.Get("value")), Reason: strings.TrimSpace(f.Get("reason")),
		SignalID: f.Get("signal_id"), CreatedAt: now.UTC()}
	if !slices.Contains(decisionKinds, d.Kind) {
		return nil, errors.New("choose what to do: block or step-up, for an IP or a user")
	}
	switch d.Kind {
	case collector.BlockIP, collector.ChallengeIP:
		if p, err := netip.ParsePrefix(d.Value); err == nil {
			d.Value = p.Masked().String()
		} else if a, err := netip.ParseAddr(d.Value); err == nil {
			d.Value = a.Unmap().String()
		} else {
			return nil, errors.New("the value is not an IP address or a CIDR prefix")
		}
	default:
		if d.Value == "" {
			return nil, errors.New("give the user id")
		}
	}
	if len(d.Value) > maxDecisionValue || len(d.Reason) > maxDecisionValue {
		return nil, fmt.Errorf("the value and the reason have at most %d bytes", maxDecisionValue)
	}
	if d.SignalID != "" && !strings.HasPrefix(d.SignalID, "sig_") {
		return nil, errors.New("not a signal id")
	}
	found := false
	for _, t := range ttls {
		if t.Name == f.Get("ttl") {
			found = true
			if t.D > 0 {
				d.ExpiresAt = now.Add(t.D).UTC()
			}
		}
	}
	if !found {
		return nil, errors.New("choose an expiry")
	}
	return d, nil
}

func (u *UI) postDecision(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	d, err := decisionFromForm(r.PostForm, u.now())
	if err != nil {
		f := r.PostForm
		u.renderDecisions(w, r, http.StatusBadRequest, &decisionsData{Error: err.Error(), Kind: f.Get("kind"), Value: f.Get("value"),
			Reason: f.Get("reason"), TTL: f.Get("ttl"), SignalID: f.Get("signal_id")})
		return
	}
	d.Author = "ui:" + s.Login
	if d.Reason == "" {
		d.Reason = "from the UI by " + s.Login
	}
	if u.refuse != nil {
		if why := u.refuse(d); why != "" {
			f := r.PostForm
			u.renderDecisions(w, r, http.StatusBadRequest, &decisionsData{Error: "rampart does not " + strings.ReplaceAll(d.Kind, "_", " ") + " " + d.Value + ": " + why,
				Kind: f.Get("kind"), Value: f.Get("value"), Reason: f.Get("reason"), TTL: f.Get("ttl"), SignalID: f.Get("signal_id")})
			return
		}
	}
	if _, err := u.store.PutDecision(r.Context(), d); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: decision", "kind", d.Kind, "value", d.Value, "by", s.Login)
	back := "/decisions"
	if ret := r.PostForm.Get("return"); safeNext(ret) && strings.HasPrefix(ret, "/signals/") {
		back = ret
	}
	http.Redirect(w, r, back+"?done=decision", http.StatusSeeOther)
}

func (u *UI) deleteDecision(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := u.store.DeleteDecision(r.Context(), id); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: decision removed", "id", id, "by", sessionOf(r).Login)
	http.Redirect(w, r, "/decisions?done=deleted", http.StatusSeeOther)
}

// Keys.

type keysData struct {
	Keys []collector.Key
	// Secret is the key just created: shown on this response only.
	Secret, SecretName string
}

func (u *UI) keysPage(w http.ResponseWriter, r *http.Request) {
	u.renderKeys(w, r, http.StatusOK, &keysData{})
}

func (u *UI) renderKeys(w http.ResponseWriter, r *http.Request, status int, d *keysData) {
	ks, err := u.store.Keys(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, k := range ks {
		if k.Kind == collector.KeyIngest {
			d.Keys = append(d.Keys, k)
		}
	}
	u.render(w, r, status, "keys", &page{Title: "Ingest keys", Nav: "keys", Data: d})
}

func (u *UI) postKey(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" || len(name) > 256 {
		u.errorPage(w, r, http.StatusBadRequest, "Name the key (1 to 256 bytes): where it will be used.")
		return
	}
	service := strings.TrimSpace(r.PostForm.Get("service"))
	if len(service) > 256 {
		u.errorPage(w, r, http.StatusBadRequest, "A service name is at most 256 bytes.")
		return
	}
	secret := collector.NewSecret(collector.KeyIngest)
	h := collector.HashSecret(secret)
	k := collector.Key{ID: "key_" + h[:16], Name: name, Kind: collector.KeyIngest, Hash: h, Service: service, CreatedAt: u.now().UTC()}
	if err := u.store.PutKey(r.Context(), k); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: ingest key created", "id", k.ID, "by", sessionOf(r).Login)
	u.renderKeys(w, r, http.StatusCreated, &keysData{Secret: secret, SecretName: name})
}

func (u *UI) revokeKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ks, err := u.store.Keys(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ok := false
	for _, k := range ks {
		ok = ok || k.ID == id && k.Kind == collector.KeyIngest
	}
	if !ok {
		u.errorPage(w, r, http.StatusNotFound, "No such ingest key.")
		return
	}
	if err := u.store.RevokeKey(r.Context(), id, u.now().UTC()); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: ingest key revoked", "id", id, "by", sessionOf(r).Login)
	http.Redirect(w, r, "/keys?done=revoked", http.StatusSeeOther)
}

// Users.

type usersData struct {
	Users       []User
	Roles       []string
	Error       string
	Login, Role string
	MinPassword int
	AdminLogin  string
}

func (u *UI) usersPage(w http.ResponseWriter, r *http.Request) {
	u.renderUsers(w, r, http.StatusOK, &usersData{Role: RoleAnalyst})
}

func (u *UI) renderUsers(w http.ResponseWriter, r *http.Request, status int, d *usersData) {
	us, err := u.users.UIUsers(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Users, d.Roles, d.MinPassword, d.AdminLogin = us, Roles, MinPassword, AdminLogin
	u.render(w, r, status, "users", &page{Title: "Users", Nav: "users", Data: d})
}

func (u *UI) postUser(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	login, pw, role := strings.TrimSpace(f.Get("login")), f.Get("password"), f.Get("role")
	bad := func(msg string) {
		u.renderUsers(w, r, http.StatusBadRequest, &usersData{Error: msg, Login: login, Role: role})
	}
	if err := validLogin(login); err != nil {
		bad(err.Error())
		return
	}
	if len(pw) < MinPassword || len(pw) > maxCredential {
		bad(fmt.Sprintf("A password has %d to %d characters.", MinPassword, maxCredential))
		return
	}
	if !slices.Contains(Roles, role) {
		bad("Choose a role.")
		return
	}
	if _, err := u.users.UIUserByLogin(r.Context(), login); err == nil {
		bad("That login is taken.")
		return
	}
	h, err := hashPassword(pw, u.iter)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	usr := &User{ID: "usr_" + tokenHash(randomToken())[:16], Login: login, Role: role, CreatedAt: u.now().UTC(), PasswordHash: h}
	if err := u.users.PutUIUser(r.Context(), usr); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: user created", "login", login, "role", role, "by", sessionOf(r).Login)
	http.Redirect(w, r, "/users?done=user", http.StatusSeeOther)
}

func (u *UI) deleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := u.users.UIUser(r.Context(), id); err != nil {
		if collector.ErrorCode(err) == collector.ENotFound {
			u.errorPage(w, r, http.StatusNotFound, "No such user.")
			return
		}
		u.fail(w, r, err)
		return
	}
	if err := u.users.DeleteUIUser(r.Context(), id); err != nil {
		u.fail(w, r, err)
		return
	}
	u.log.Info("ui: user deleted", "id", id, "by", sessionOf(r).Login)
	http.Redirect(w, r, "/users?done=userdel", http.StatusSeeOther)
}
