package ui

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
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

// jtext is the SQL expression of a text field inside an event's JSON body
// (path like "request.route"), ” when absent.
func (x *db) jtext(path string) string {
	if x.postgres {
		return `COALESCE(body::json #>> '{` + strings.ReplaceAll(path, ".", ",") + `}', '')`
	}
	return `COALESCE(json_extract(body, '$.` + path + `'), '')`
}

// blocked is the SQL condition "the event's request was blocked".
func (x *db) blocked() string {
	if x.postgres {
		return `(body::json ->> 'blocked') = 'true'`
	}
	return `json_extract(body, '$.blocked') = 1`
}

// stripQuery is the SQL expression of a URI without its query string
// (char 63 is '?', which q would take for a placeholder).
func (x *db) stripQuery(e string) string {
	if x.postgres {
		return `split_part(` + e + `, chr(63), 1)`
	}
	return `CASE WHEN instr(` + e + `, char(63)) > 0 THEN substr(` + e + `, 1, instr(` + e + `, char(63)) - 1) ELSE ` + e + ` END`
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
type Overview struct {
	Since, Until time.Time
	// Bucket is the width of one bar of the chart.
	Bucket time.Duration
	// Attacks and Exploits count the events per bucket.
	Attacks, Exploits []int64
	// Blocked and Monitored count the attack and exploit events whose
	// request was blocked, or only reported.
	Blocked, Monitored int64
	TopIPs             []Count
	TopRoutes          []Count
	TopRules           []Count
	// OpenBySeverity counts the open signals, lowest severity first, as
	// collector.Severities.
	OpenBySeverity []Count
	Services       []Service
}

// Count is one row of a top list.
type Count struct {
	Label string
	// Kind says what Label is (a signal type for rules).
	Kind    string
	N       int64
	Blocked int64
}

// Service is a service or function seen in the window.
type Service struct {
	Service, Function, Env string
	Version, Mode          string
	LastEvent              time.Time
	Events                 int64
}

const attackTypes = `('attack', 'exploit')`

// overview computes the overview of [since, until) with n buckets.
func (x *db) overview(ctx context.Context, since, until time.Time, n int) (*Overview, error) {
	o := &Overview{Since: since, Until: until, Bucket: until.Sub(since) / time.Duration(n), Attacks: make([]int64, n), Exploits: make([]int64, n)}
	width := int64(o.Bucket)
	args := []any{nanos(since), width, nanos(since), nanos(until)}
	rows, err := x.sql.QueryContext(ctx, x.q(`SELECT type, (at - CAST(? AS BIGINT)) / CAST(? AS BIGINT), COUNT(*), SUM(CASE WHEN `+x.blocked()+` THEN 1 ELSE 0 END)
		FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? GROUP BY 1, 2`), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var typ string
		var b, c, blk int64
		if err := rows.Scan(&typ, &b, &c, &blk); err != nil {
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
		o.Blocked += blk
		o.Monitored += c - blk
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	win := []any{nanos(since), nanos(until)}
	top := func(query string, dst *[]Count, withKind bool) error {
		rows, err := x.sql.QueryContext(ctx, x.q(query), win...)
		if err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			var c Count
			dest := []any{&c.Label, &c.N, &c.Blocked}
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
	blk := `SUM(CASE WHEN ` + x.blocked() + ` THEN 1 ELSE 0 END)`
	lim := ` LIMIT ` + strconv.Itoa(topN)
	if err := top(`SELECT ip, COUNT(*), `+blk+` FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? AND ip <> ''
		GROUP BY ip ORDER BY 2 DESC, 1`+lim, &o.TopIPs, false); err != nil {
		return nil, err
	}
	route := `CASE WHEN ` + x.jtext("request.route") + ` <> '' THEN ` + x.jtext("request.route") + ` ELSE ` + x.stripQuery(x.jtext("request.uri")) + ` END`
	if err := top(`SELECT m, r, COUNT(*), SUM(b) FROM (SELECT `+x.jtext("request.method")+` AS m, `+route+` AS r, CASE WHEN `+x.blocked()+` THEN 1 ELSE 0 END AS b
		FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ?) t WHERE r <> '' GROUP BY m, r ORDER BY 3 DESC, 2`+lim, &o.TopRoutes, true); err != nil {
		return nil, err
	}
	blkE := strings.ReplaceAll(blk, "body", "e.body")
	if err := top(`SELECT s.type, s.rule_id, COUNT(*), `+blkE+` FROM events e JOIN signals s ON s.id = e.signal_id
		WHERE e.type IN `+attackTypes+` AND e.at >= ? AND e.at < ? GROUP BY s.type, s.rule_id ORDER BY 3 DESC, 2`+lim, &o.TopRules, true); err != nil {
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
	if o.Services, err = x.services(ctx, since, until); err != nil {
		return nil, err
	}
	return o, nil
}

// services lists the services and functions that sent events in the
// window, each with the version and mode of its newest event that says.
func (x *db) services(ctx context.Context, since, until time.Time) ([]Service, error) {
	rows, err := x.sql.QueryContext(ctx, x.q(`SELECT service, f, e, v, m, MAX(at), COUNT(*) FROM (
			SELECT service, `+x.jtext("function")+` AS f, `+x.jtext("env")+` AS e, `+x.jtext("version")+` AS v, `+x.jtext("mode")+` AS m, at
			FROM events WHERE at >= ? AND at < ?) t
		GROUP BY service, f, e, v, m ORDER BY 6 DESC LIMIT 1000`), nanos(since), nanos(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[string]*Service{}
	var order []string
	for rows.Next() {
		var s Service
		var at int64
		if err := rows.Scan(&s.Service, &s.Function, &s.Env, &s.Version, &s.Mode, &at, &s.Events); err != nil {
			return nil, err
		}
		s.LastEvent = time.Unix(0, at).UTC()
		k := s.Service + "\x00" + s.Function + "\x00" + s.Env
		cur, ok := byKey[k]
		if !ok {
			// rows come newest first: the first of a key has the
			// newest event
			c := s
			byKey[k] = &c
			order = append(order, k)
			continue
		}
		cur.Events += s.Events
		if cur.Version == "" {
			cur.Version = s.Version
		}
		if cur.Mode == "" {
			cur.Mode = s.Mode
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	if len(out) > maxServices {
		out = out[:maxServices]
	}
	return out, nil
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
