package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
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

// The web UI's read model: what its pages show beside the Store's
// signals, read from the events table (migration 1, by the (type, at)
// index of migration 2).

// Bounds of the read model's queries: a page never decodes more than
// these.
const (
	// topN is the length of the overview's top lists.
	topN = 10
	// maxServices bounds the services listed.
	maxServices = 50
)

const attackTypes = `('attack', 'exploit')`

// allTypes are the event types the collector stores.
var allTypes = []string{event.TypeAttack, event.TypeExploit, event.TypeRequest, event.TypeLoginSuccess, event.TypeLoginFailure,
	event.TypeSignup, event.TypeSessionCreate, event.TypeCustom}

// Overview aggregates the window [since, until) in n buckets: the attack
// and exploit events per bucket, the top IPs, the open signals by
// severity, the timed-out requests and the services, and what the newest
// events' JSON says (see collector.Overview).
func (s *Store) Overview(ctx context.Context, since, until time.Time, n int) (*collector.Overview, error) {
	s.applyForRead(ctx)
	o := &collector.Overview{Since: since, Until: until, Bucket: until.Sub(since) / time.Duration(n), Attacks: make([]int64, n), Exploits: make([]int64, n)}
	width := int64(o.Bucket)
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT type, (at - CAST(? AS BIGINT)) / CAST(? AS BIGINT), COUNT(*)
		FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? GROUP BY 1, 2`), since.UnixNano(), width, since.UnixNano(), until.UnixNano())
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
	win := []any{since.UnixNano(), until.UnixNano()}
	rows, err = s.db.QueryContext(ctx, s.d.rebind(`SELECT ip, COUNT(*) FROM events WHERE type IN `+attackTypes+` AND at >= ? AND at < ? AND ip <> ''
		GROUP BY ip ORDER BY 2 DESC, 1 LIMIT `+strconv.Itoa(topN)), win...)
	if err != nil {
		return nil, fmt.Errorf("overview ips: %w", err)
	}
	for rows.Next() {
		var c collector.Count
		if err := rows.Scan(&c.Label, &c.N); err != nil {
			rows.Close()
			return nil, err
		}
		o.TopIPs = append(o.TopIPs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sev := map[string]int64{}
	rows, err = s.db.QueryContext(ctx, `SELECT severity, COUNT(*) FROM signals WHERE status = 'open' GROUP BY severity`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var sv string
		var c int64
		if err := rows.Scan(&sv, &c); err != nil {
			rows.Close()
			return nil, err
		}
		sev[sv] = c
	}
	rows.Close()
	for _, sv := range collector.Severities {
		o.OpenBySeverity = append(o.OpenBySeverity, collector.Count{Label: sv, N: sev[sv]})
	}
	// The library writes the field as it is matched here; a value that
	// holds the same text is escaped (\") and does not match.
	if err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM events WHERE type IN ('attack', 'request') AND at >= ? AND at < ?
		AND body LIKE '%"timed_out":true%'`), win...).Scan(&o.TimedOut); err != nil {
		return nil, fmt.Errorf("overview timeouts: %w", err)
	}
	if err := s.sampled(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// topOf returns the topN counts of m, most first.
func topOf[K comparable](m map[K]*collector.Count) []collector.Count {
	out := make([]collector.Count, 0, len(m))
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

// sampled fills what needs the events' JSON from the newest
// OverviewSampleLimit events of each type (each query walks the (type, at)
// index backwards and stops there), and the services from their columns.
func (s *Store) sampled(ctx context.Context, o *collector.Overview) error {
	type key struct{ method, route string }
	routes := map[key]*collector.Count{}
	rules := map[key]*collector.Count{}
	count := func(m map[key]*collector.Count, k key, blocked bool) {
		c := m[k]
		if c == nil {
			c = &collector.Count{Kind: k.method, Label: k.route}
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
	sample := s.d.rebind(`SELECT service, body FROM events WHERE type = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?`)
	for _, typ := range allTypes {
		limit := collector.OverviewSampleLimit
		if typ != event.TypeAttack && typ != event.TypeExploit {
			limit = collector.OverviewSampleLimit / 10
		}
		rows, err := s.db.QueryContext(ctx, sample, typ, o.Since.UnixNano(), o.Until.UnixNano(), limit)
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
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT service, MAX(at), COUNT(*) FROM events WHERE type IN ('`+strings.Join(allTypes, "', '")+`') AND at >= ? AND at < ?
		GROUP BY service ORDER BY 2 DESC LIMIT `+strconv.Itoa(maxServices)), o.Since.UnixNano(), o.Until.UnixNano())
	if err != nil {
		return fmt.Errorf("overview services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sv collector.Service
		var at int64
		if err := rows.Scan(&sv.Service, &at, &sv.Events); err != nil {
			return err
		}
		sv.LastEvent = time.Unix(0, at).UTC()
		if si := info[sv.Service]; si != nil {
			sv.Version, sv.Mode, sv.Functions = si.version, si.mode, si.functions
			sort.Strings(sv.Functions)
		}
		o.Services = append(o.Services, sv)
	}
	return rows.Err()
}

// Logins returns the login events of an account-takeover signal: within
// its first and last seen, from its IPs (addresses or prefixes) or on its
// users, newest first, at most limit; truncated says there were more.
func (s *Store) Logins(ctx context.Context, sg *collector.Signal, limit int) (logins []collector.Login, truncated bool, err error) {
	var prefixes []netip.Prefix
	var addrs []string
	for _, ip := range sg.IPs {
		if p, err := netip.ParsePrefix(ip); err == nil {
			prefixes = append(prefixes, p.Masked())
		} else if a, err := netip.ParseAddr(ip); err == nil {
			addrs = append(addrs, a.Unmap().String())
		}
	}
	args := []any{sg.FirstSeen.UnixNano(), sg.LastSeen.UnixNano()}
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
	args = append(args, limit+1)
	q := s.d.rebind(`SELECT type, at, ip, user_id, service, body FROM events
		WHERE type IN ('user.login.success', 'user.login.failure') AND at >= ? AND at <= ?` + filter + `
		ORDER BY at DESC LIMIT ?`)
	var rows *sql.Rows
	if st := s.cachedStmt(ctx, q); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	users := map[string]bool{}
	for _, u := range sg.Users {
		users[u] = true
	}
	for rows.Next() {
		var typ, ip, user, service, body string
		var at int64
		if err := rows.Scan(&typ, &at, &ip, &user, &service, &body); err != nil {
			return nil, false, err
		}
		if len(logins) == limit {
			truncated = true
			break
		}
		if len(prefixes) > 0 && !users[user] && !inAny(ip, addrs, prefixes) {
			continue
		}
		l := collector.Login{Time: time.Unix(0, at).UTC(), Success: typ == event.TypeLoginSuccess, IP: ip, User: user, Service: service}
		var ev struct {
			Usr *event.User `json:"usr"`
		}
		if json.Unmarshal([]byte(body), &ev) == nil && ev.Usr != nil {
			l.Exists = ev.Usr.Exists
		}
		logins = append(logins, l)
	}
	return logins, truncated, rows.Err()
}

// inAny reports whether ip is one of addrs or in one of prefixes.
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
