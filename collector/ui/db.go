package ui

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// The UI reads the collector's events table (migration 1 of
// collector/sqlstore, which never changes once shipped) for what the Store
// interface does not aggregate: the overview's counts and the logins of an
// account-takeover signal. It keeps its own two tables, ui_users and
// ui_sessions, created if missing, on the same database.
const uiSchema = `CREATE TABLE IF NOT EXISTS ui_users (
	id TEXT PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	password TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ui_sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	login TEXT NOT NULL,
	role TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)`

// Bounds of the event queries: a page never decodes more than these.
const (
	// maxLoginRows bounds the login events read for one signal's
	// timeline (the newest ones).
	maxLoginRows = 10_000
	// topN is the length of the overview's top lists.
	topN = 10
	// maxServices bounds the services listed.
	maxServices = 50
)

// db is the UI's SQL access, on SQLite or PostgreSQL.
type db struct {
	sql      *sql.DB
	postgres bool
}

// openDB detects the database's dialect and creates the UI's tables.
func openDB(ctx context.Context, d *sql.DB) (*db, error) {
	x := &db{sql: d}
	var v string
	if err := d.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&v); err != nil {
		x.postgres = true
	}
	for _, stmt := range strings.Split(uiSchema, ";\n") {
		if _, err := d.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("ui: creating tables: %w", err)
		}
	}
	return x, nil
}

// q rewrites '?' placeholders to $n on PostgreSQL.
func (x *db) q(s string) string {
	if !x.postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func nanos(t time.Time) int64 { return t.UnixNano() }

// User is an account of the UI, created by an admin.
type User struct {
	ID        string
	Login     string
	Role      string
	CreatedAt time.Time
	password  string
}

func (x *db) users(ctx context.Context) ([]User, error) {
	rows, err := x.sql.QueryContext(ctx, `SELECT id, login, role, created_at FROM ui_users ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var c int64
		if err := rows.Scan(&u.ID, &u.Login, &u.Role, &c); err != nil {
			return nil, err
		}
		u.CreatedAt = time.Unix(0, c).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

var errNoUser = errors.New("no such user")

func (x *db) userByLogin(ctx context.Context, login string) (*User, error) {
	var u User
	var c int64
	err := x.sql.QueryRowContext(ctx, x.q(`SELECT id, login, role, password, created_at FROM ui_users WHERE login = ?`), login).
		Scan(&u.ID, &u.Login, &u.Role, &u.password, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoUser
	}
	u.CreatedAt = time.Unix(0, c).UTC()
	return &u, err
}

func (x *db) userByID(ctx context.Context, id string) (*User, error) {
	var u User
	var c int64
	err := x.sql.QueryRowContext(ctx, x.q(`SELECT id, login, role, password, created_at FROM ui_users WHERE id = ?`), id).
		Scan(&u.ID, &u.Login, &u.Role, &u.password, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoUser
	}
	u.CreatedAt = time.Unix(0, c).UTC()
	return &u, err
}

func (x *db) putUser(ctx context.Context, u *User) error {
	_, err := x.sql.ExecContext(ctx, x.q(`INSERT INTO ui_users (id, login, role, password, created_at) VALUES (?, ?, ?, ?, ?)`),
		u.ID, u.Login, u.Role, u.password, nanos(u.CreatedAt))
	return err
}

func (x *db) deleteUser(ctx context.Context, id string) error {
	if _, err := x.sql.ExecContext(ctx, x.q(`DELETE FROM ui_sessions WHERE user_id = ?`), id); err != nil {
		return err
	}
	_, err := x.sql.ExecContext(ctx, x.q(`DELETE FROM ui_users WHERE id = ?`), id)
	return err
}

// session is a logged-in browser. Its id in the table is the SHA-256 of
// the cookie's token, so a read of the table gives no session away.
type session struct {
	UserID  string // a ui_users id, or "key:<id>" for the admin token
	Login   string
	Role    string
	CSRF    string
	Expires time.Time
}

func (x *db) putSession(ctx context.Context, idHash string, s *session, now time.Time) error {
	if _, err := x.sql.ExecContext(ctx, x.q(`DELETE FROM ui_sessions WHERE expires_at < ?`), nanos(now)); err != nil {
		return err
	}
	_, err := x.sql.ExecContext(ctx, x.q(`INSERT INTO ui_sessions (id, user_id, login, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		idHash, s.UserID, s.Login, s.Role, s.CSRF, nanos(now), nanos(s.Expires))
	return err
}

func (x *db) session(ctx context.Context, idHash string) (*session, error) {
	var s session
	var exp int64
	err := x.sql.QueryRowContext(ctx, x.q(`SELECT user_id, login, role, csrf, expires_at FROM ui_sessions WHERE id = ?`), idHash).
		Scan(&s.UserID, &s.Login, &s.Role, &s.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	s.Expires = time.Unix(0, exp)
	return &s, err
}

func (x *db) deleteSession(ctx context.Context, idHash string) error {
	_, err := x.sql.ExecContext(ctx, x.q(`DELETE FROM ui_sessions WHERE id = ?`), idHash)
	return err
}

// Overview is what the overview page shows about a time window.
//
// The counts over time, the top IPs, the open signals and the services
// come from indexed columns and are exact. What only the events' JSON says
// (blocked or not, the route, the rules, the function, version and mode) is
// read from the newest SampleLimit events of each type in the window:
// decoding every event of a busy day would make the page slow (about 5 s
// for 100,000 events). Sampled is the number of events read, Sampled <
// Attacks+Exploits when the window holds more.
type Overview struct {
	Since, Until time.Time
	// Bucket is the width of one bar of the chart.
	Bucket time.Duration
	// Attacks and Exploits count the events per bucket.
	Attacks, Exploits []int64
	// Blocked and Monitored count the sampled attack and exploit events
	// whose request was blocked, or only reported.
	Blocked, Monitored int64
	// Sampled is the number of attack and exploit events Blocked,
	// Monitored, TopRoutes and TopRules were counted over; Total all of
	// them.
	Sampled, Total int64
	// TimedOut counts the requests on which the WAF's time budget ran
	// out (attack and request events with timed_out), exactly.
	TimedOut  int64
	TopIPs    []Count
	TopRoutes []Count
	TopRules  []Count
	// OpenBySeverity counts the open signals, lowest severity first, as
	// collector.Severities.
	OpenBySeverity []Count
	Services       []Service
}

// SampleLimit bounds the events of each type whose JSON the overview
// decodes.
const SampleLimit = 5000

// Count is one row of a top list.
type Count struct {
	Label string
	// Kind says what Label is (a signal type for rules, the method for
	// routes).
	Kind    string
	N       int64
	Blocked int64
}

// Service is a service seen in the window: its events are counted
// exactly; Functions, Version and Mode are those of its newest sampled
// events.
type Service struct {
	Service   string
	Functions []string
	Version   string
	Mode      string
	LastEvent time.Time
	Events    int64
}

const attackTypes = `('attack', 'exploit')`

// allTypes are the event types the collector stores.
var allTypes = []string{event.TypeAttack, event.TypeExploit, event.TypeRequest, event.TypeLoginSuccess, event.TypeLoginFailure,
	event.TypeSignup, event.TypeSessionCreate, event.TypeCustom}

// overview computes the overview of [since, until) with n buckets.
func (x *db) overview(ctx context.Context, since, until time.Time, n int) (*Overview, error) {
	o := &Overview{Since: since, Until: until, Bucket: until.Sub(since) / time.Duration(n), Attacks: make([]int64, n), Exploits: make([]int64, n)}
	width := int64(o.Bucket)
	rows, err := x.sql.QueryContext(ctx, x.q(`SELECT type, (at - CAST(? AS BIGINT)) / CAST(? AS BIGINT), COUNT(*)
		FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? GROUP BY 1, 2`), nanos(since), width, nanos(since), nanos(until))
	if err != nil {
		return nil, fmt.Errorf("overview series: %w", err)
	}
	for rows.Next() {
		var typ string
		var b, c int64
		if err := rows.Scan(&typ, &b, &c); err != nil {
			rows.Close()
			return nil, err
		}
		if b < 0 || b >= int64(n) {
			continue
		}
		if typ == event.TypeExploit {
			o.Exploits[b] += c
		} else {
			o.Attacks[b] += c
		}
		o.Total += c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	win := []any{nanos(since), nanos(until)}
	top := func(name, query string, dst *[]Count, withKind bool) error {
		rows, err := x.sql.QueryContext(ctx, x.q(query), win...)
		if err != nil {
			return fmt.Errorf("overview %s: %w", name, err)
		}
		defer rows.Close()
		for rows.Next() {
			var c Count
			dest := []any{&c.Label, &c.N}
			if withKind {
				dest = append([]any{&c.Kind}, dest...)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			*dst = append(*dst, c)
		}
		return rows.Err()
	}
	lim := ` LIMIT ` + strconv.Itoa(topN)
	if err := top("ips", `SELECT ip, COUNT(*) FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? AND ip <> ''
		GROUP BY ip ORDER BY 2 DESC, 1`+lim, &o.TopIPs, false); err != nil {
		return nil, err
	}
	sev := map[string]int64{}
	rows, err = x.sql.QueryContext(ctx, `SELECT severity, COUNT(*) FROM signals WHERE status = 'open' GROUP BY severity`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s string
		var c int64
		if err := rows.Scan(&s, &c); err != nil {
			rows.Close()
			return nil, err
		}
		sev[s] = c
	}
	rows.Close()
	for _, s := range collector.Severities {
		o.OpenBySeverity = append(o.OpenBySeverity, Count{Label: s, N: sev[s]})
	}
	// The library writes the field as it is matched here; a value that
	// holds the same text is escaped (\") and does not match.
	if err := x.sql.QueryRowContext(ctx, x.q(`SELECT COUNT(*) FROM events WHERE type IN ('attack', 'request') AND at >= ? AND at < ?
		AND body LIKE '%"timed_out":true%'`), win...).Scan(&o.TimedOut); err != nil {
		return nil, fmt.Errorf("overview timeouts: %w", err)
	}
	if err := x.sampled(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// topOf returns the topN counts of m, most first.
func topOf[K comparable](m map[K]*Count) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.N > b.N || a.N == b.N && a.Kind+" "+a.Label < b.Kind+" "+b.Label
	})
	if len(out) > topN {
		out = out[:topN]
	}
	return out
}

// sampledEvent is what the overview reads from an event's JSON.
type sampledEvent struct {
	Type     string         `json:"type"`
	Time     time.Time      `json:"time"`
	Function string         `json:"function"`
	Version  string         `json:"version"`
	Mode     string         `json:"mode"`
	Blocked  bool           `json:"blocked"`
	Request  *event.Request `json:"request"`
	Triggers []struct {
		RuleID string `json:"rule_id"`
	} `json:"triggers"`
	Exploit *struct {
		RuleID string `json:"rule_id"`
	} `json:"exploit"`
}

// sampled fills what needs the events' JSON from the newest SampleLimit
// events of each type (each query walks the (type, at) index backwards
// and stops there), and the services from their columns.
func (x *db) sampled(ctx context.Context, o *Overview) error {
	type key struct{ method, route string }
	routes := map[key]*Count{}
	rules := map[key]*Count{}
	count := func(m map[key]*Count, k key, blocked bool) {
		c := m[k]
		if c == nil {
			c = &Count{Kind: k.method, Label: k.route}
			m[k] = c
		}
		c.N++
		if blocked {
			c.Blocked++
		}
	}
	type svcInfo struct {
		newest          time.Time
		version, mode   string
		functions       []string
		versionAt, mdAt time.Time
	}
	info := map[string]*svcInfo{}
	for _, typ := range allTypes {
		limit := SampleLimit
		if typ != event.TypeAttack && typ != event.TypeExploit {
			limit = SampleLimit / 10
		}
		rows, err := x.sql.QueryContext(ctx, x.q(`SELECT service, body FROM events WHERE type = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?`),
			typ, nanos(o.Since), nanos(o.Until), limit)
		if err != nil {
			return fmt.Errorf("overview sample: %w", err)
		}
		for rows.Next() {
			var svc, body string
			if err := rows.Scan(&svc, &body); err != nil {
				rows.Close()
				return err
			}
			var ev sampledEvent
			if json.Unmarshal([]byte(body), &ev) != nil {
				continue
			}
			if typ == event.TypeAttack || typ == event.TypeExploit {
				o.Sampled++
				if ev.Blocked {
					o.Blocked++
				} else {
					o.Monitored++
				}
				if r := ev.Request; r != nil {
					route := r.Route
					if route == "" {
						route, _, _ = strings.Cut(r.URI, "?")
					}
					if route != "" {
						count(routes, key{r.Method, route}, ev.Blocked)
					}
				}
				if ev.Exploit != nil && ev.Exploit.RuleID != "" {
					count(rules, key{event.TypeExploit, ev.Exploit.RuleID}, ev.Blocked)
				}
				for i, t := range ev.Triggers {
					if i < 8 && t.RuleID != "" {
						count(rules, key{event.TypeAttack, t.RuleID}, ev.Blocked)
					}
				}
			}
			si := info[svc]
			if si == nil {
				si = &svcInfo{}
				info[svc] = si
			}
			if ev.Version != "" && ev.Time.After(si.versionAt) {
				si.version, si.versionAt = ev.Version, ev.Time
			}
			if ev.Mode != "" && ev.Time.After(si.mdAt) {
				si.mode, si.mdAt = ev.Mode, ev.Time
			}
			if ev.Function != "" && !slices.Contains(si.functions, ev.Function) && len(si.functions) < 20 {
				si.functions = append(si.functions, ev.Function)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	o.TopRoutes, o.TopRules = topOf(routes), topOf(rules)
	rows, err := x.sql.QueryContext(ctx, x.q(`SELECT service, MAX(at), COUNT(*) FROM events WHERE type IN ('`+strings.Join(allTypes, "', '")+`') AND at >= ? AND at < ?
		GROUP BY service ORDER BY 2 DESC LIMIT `+strconv.Itoa(maxServices)), nanos(o.Since), nanos(o.Until))
	if err != nil {
		return fmt.Errorf("overview services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Service
		var at int64
		if err := rows.Scan(&s.Service, &at, &s.Events); err != nil {
			return err
		}
		s.LastEvent = time.Unix(0, at).UTC()
		if si := info[s.Service]; si != nil {
			s.Version, s.Mode, s.Functions = si.version, si.mode, si.functions
			sort.Strings(s.Functions)
		}
		o.Services = append(o.Services, s)
	}
	return rows.Err()
}

// Login is one login attempt shown on an account-takeover signal.
type Login struct {
	Time    time.Time
	Success bool
	IP      string
	User    string
	Exists  *bool
}

// logins returns the login events of an account-takeover signal: within
// its first and last seen, from its IPs (addresses or prefixes) or on its
// users, newest first, at most maxLoginRows.
func (x *db) logins(ctx context.Context, sg *collector.Signal) ([]Login, bool, error) {
	var prefixes []netip.Prefix
	var addrs []string
	for _, ip := range sg.IPs {
		if p, err := netip.ParsePrefix(ip); err == nil {
			prefixes = append(prefixes, p.Masked())
		} else if a, err := netip.ParseAddr(ip); err == nil {
			addrs = append(addrs, a.Unmap().String())
		}
	}
	args := []any{nanos(sg.FirstSeen), nanos(sg.LastSeen)}
	filter := ""
	if len(prefixes) == 0 {
		// without prefixes, the database filters on the indexed
		// columns; with them, the window is read and filtered here
		var ors []string
		in := func(col string, vals []string) {
			if len(vals) == 0 {
				return
			}
			ors = append(ors, col+` IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+`)`)
			for _, v := range vals {
				args = append(args, v)
			}
		}
		in("ip", addrs)
		in("user_id", sg.Users)
		if len(ors) == 0 {
			return nil, false, nil
		}
		filter = ` AND (` + strings.Join(ors, " OR ") + `)`
	}
	args = append(args, maxLoginRows+1)
	rows, err := x.sql.QueryContext(ctx, x.q(`SELECT type, at, ip, user_id, body FROM events
		WHERE type IN ('user.login.success', 'user.login.failure') AND at >= ? AND at <= ?`+filter+`
		ORDER BY at DESC LIMIT ?`), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	users := map[string]bool{}
	for _, u := range sg.Users {
		users[u] = true
	}
	var out []Login
	truncated := false
	for rows.Next() {
		var typ, ip, user, body string
		var at int64
		if err := rows.Scan(&typ, &at, &ip, &user, &body); err != nil {
			return nil, false, err
		}
		if len(out) == maxLoginRows {
			truncated = true
			break
		}
		if len(prefixes) > 0 && !users[user] && !inAny(ip, addrs, prefixes) {
			continue
		}
		l := Login{Time: time.Unix(0, at).UTC(), Success: typ == event.TypeLoginSuccess, IP: ip, User: user}
		var ev struct {
			Usr *event.User `json:"usr"`
		}
		if json.Unmarshal([]byte(body), &ev) == nil && ev.Usr != nil {
			l.Exists = ev.Usr.Exists
		}
		out = append(out, l)
	}
	return out, truncated, rows.Err()
}

func inAny(ip string, addrs []string, prefixes []netip.Prefix) bool {
	for _, a := range addrs {
		if a == ip {
			return true
		}
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range prefixes {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// ipCount is one attacker IP of a signal with its attempts.
type ipCount struct {
	IP                  string
	Failures, Successes int
}

// userCount is one targeted account of a signal.
type userCount struct {
	User                string
	Exists              *bool
	Failures, Successes int
}

// tally counts the logins per IP and per user, most attempts first.
func tally(ls []Login) ([]ipCount, []userCount) {
	ips := map[string]*ipCount{}
	users := map[string]*userCount{}
	for _, l := range ls {
		ic := ips[l.IP]
		if ic == nil {
			ic = &ipCount{IP: l.IP}
			ips[l.IP] = ic
		}
		uc := users[l.User]
		if uc == nil {
			uc = &userCount{User: l.User}
			users[l.User] = uc
		}
		if uc.Exists == nil {
			uc.Exists = l.Exists
		}
		if l.Success {
			ic.Successes++
			uc.Successes++
		} else {
			ic.Failures++
			uc.Failures++
		}
	}
	io := make([]ipCount, 0, len(ips))
	for _, v := range ips {
		io = append(io, *v)
	}
	sort.Slice(io, func(i, j int) bool {
		a, b := io[i].Failures+io[i].Successes, io[j].Failures+io[j].Successes
		return a > b || a == b && io[i].IP < io[j].IP
	})
	uo := make([]userCount, 0, len(users))
	for _, v := range users {
		uo = append(uo, *v)
	}
	sort.Slice(uo, func(i, j int) bool {
		a, b := uo[i].Failures+uo[i].Successes, uo[j].Failures+uo[j].Successes
		return a > b || a == b && uo[i].User < uo[j].User
	})
	return io, uo
}
