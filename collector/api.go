package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// API limits.
const (
	// maxAdminBody bounds the JSON body of admin requests.
	maxAdminBody = 64 << 10
	// maxWait bounds a long-poll of GET /v1/decisions.
	maxWait = 60 * time.Second
	// defaultDetailEvents and maxDetailEvents bound the events of
	// GET /v1/signals/{id}.
	defaultDetailEvents = 20
	maxDetailEvents     = 200
	// maxValue bounds a decision's value and reason.
	maxValue = 1024
)

// Handler returns the HTTP API:
//
//	POST   /v1/events           ingest key: a batch; 202 once durable
//	GET    /v1/decisions        ingest key or admin; ETag, If-None-Match, ?wait=30s
//	POST   /v1/decisions        admin
//	DELETE /v1/decisions/{id}   admin
//	GET    /v1/signals          admin; ?type=&severity=&status=&service=&since=&until=&limit=&cursor=
//	GET    /v1/signals/{id}     admin; ?events=N; with its notes and assignee
//	PATCH  /v1/signals/{id}     admin; {"status": "open|archived"}
//	GET    /v1/keys             admin
//	POST   /v1/keys             admin; {"name": "..."} → the new ingest key, shown once
//	DELETE /v1/keys/{id}        admin; revokes
//	GET    /v1/stats            admin; the server's counters and the senders' drops
//	GET    /metrics             admin; the counters in Prometheus's text format
//	GET    /healthz
//	GET    /readyz              200 when the store answers, else 503
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.wrap(f))
	}
	h("POST /v1/events", s.handleEvents)
	h("GET /v1/decisions", s.handleDecisions)
	h("POST /v1/decisions", s.handlePostDecision)
	h("DELETE /v1/decisions/{id}", s.handleDeleteDecision)
	h("GET /v1/signals", s.handleSignals)
	h("GET /v1/signals/{id}", s.handleSignal)
	h("PATCH /v1/signals/{id}", s.handlePatchSignal)
	h("GET /v1/keys", s.handleKeys)
	h("POST /v1/keys", s.handlePostKey)
	h("DELETE /v1/keys/{id}", s.handleDeleteKey)
	h("GET /v1/stats", s.handleStats)
	h("GET /metrics", s.handleMetrics)
	h("GET /readyz", s.handleReady)
	h("GET /healthz", func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	})
	return mux
}

// wrap answers a handler's error in JSON and turns a panic into a logged
// internal error.
func (s *Server) wrap(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				writeError(w, s.log, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		if err := f(w, r); err != nil {
			writeError(w, s.log, err)
		}
	})
}

// IngestResponse is the body of a successful POST /v1/events.
type IngestResponse struct {
	BatchID  string `json:"batch_id"`
	Accepted int    `json:"accepted"`
	// Duplicate is true for a retried batch already stored (200, not
	// 202): nothing was stored again.
	Duplicate bool `json:"duplicate,omitempty"`
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	err := s.ingest(w, r)
	if err != nil {
		s.stats.Rejected.Add(1)
	}
	return err
}

func (s *Server) ingest(w http.ResponseWriter, r *http.Request) error {
	key, err := s.authenticate(r, KeyIngest)
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &Error{Code: EUnsupported, Field: "Content-Type", Message: fmt.Sprintf("%q: want application/json", ct)}
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return &Error{Code: EUnavailable, Message: "shutting down", RetryAfter: time.Second}
	}
	if !s.keyInflight.take(key.ID) {
		return &Error{Code: EUnavailable, Message: fmt.Sprintf("over %d ingest requests at once for this key", maxInflightPerKey), RetryAfter: time.Second}
	}
	defer s.keyInflight.give(key.ID)
	select {
	case s.inflight <- struct{}{}:
		s.stats.InFlight.Add(1)
		defer func() {
			s.stats.InFlight.Add(-1)
			<-s.inflight
		}()
	default:
		return &Error{Code: EUnavailable, Message: fmt.Sprintf("over %d ingest requests at once", maxInflight), RetryAfter: time.Second}
	}
	// A slow upload holds a slot: it has bodyTimeout to arrive whole,
	// whatever the HTTP server's own timeouts.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyTimeout))
	body, err := ReadBody(http.MaxBytesReader(w, r.Body, s.limits.BodyBytes), r.Header.Get("Content-Encoding"), s.limits.BodyBytes)
	if err != nil {
		return err
	}
	now := s.now()
	b, err := DecodeBatch(body, s.limits, now)
	if err != nil {
		return err
	}
	if key.Service != "" {
		// A scoped key speaks for its service only.
		for i := range b.Events {
			if svc := b.Events[i].Event.Service; svc != key.Service {
				return &Error{Code: EForbidden, Field: fmt.Sprintf("events[%d].service", i),
					Message: fmt.Sprintf("%q: this key sends events of service %q only", truncate(svc, 64), key.Service)}
			}
		}
	}
	if ok, wait := s.limiter.allow(key.ID, len(b.Events), now); !ok {
		return &Error{Code: ERateLimited, Message: "over the key's ingest rate", RetryAfter: wait}
	}
	b.KeyID, b.ReceivedAt = key.ID, now.UTC()
	a, err := s.submit(r.Context(), b)
	if err != nil {
		return err
	}
	if a.Duplicate {
		writeJSON(w, http.StatusOK, &IngestResponse{BatchID: b.ID, Duplicate: true})
		return nil
	}
	writeJSON(w, http.StatusAccepted, &IngestResponse{BatchID: b.ID, Accepted: len(b.Events)})
	return nil
}

// StatsResponse is the body of GET /v1/stats.
type StatsResponse struct {
	// Server are this process's counters since it started.
	Server ServerCounters `json:"server"`
	// DroppedTotal is the sum of Dropped's events: what the senders
	// reported they could not deliver, durably counted in the store.
	DroppedTotal int64 `json:"dropped_total"`
	// Dropped are the drop counters per ingest key and service.
	Dropped []DropCount `json:"dropped"`
}

// ServerCounters are a snapshot of Stats.
type ServerCounters struct {
	Batches    int64 `json:"batches"`
	Events     int64 `json:"events"`
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
	Commits    int64 `json:"commits"`
	Detections int64 `json:"detections"`
	DetectErrs int64 `json:"detect_errors"`
	InFlight   int64 `json:"in_flight"`
	Dropped    int64 `json:"dropped"`
	// TimedOut counts the stored events of requests on which the WAF's
	// time budget ran out (timed_out), since the server started.
	TimedOut int64 `json:"timed_out"`
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	drops, err := s.store.Drops(r.Context())
	if err != nil {
		return err
	}
	st := &s.stats
	resp := StatsResponse{Dropped: drops, Server: ServerCounters{
		Batches: st.Batches.Load(), Events: st.Events.Load(), Duplicates: st.Duplicates.Load(),
		Rejected: st.Rejected.Load(), Commits: st.Commits.Load(), Detections: st.Detections.Load(),
		DetectErrs: st.DetectErrs.Load(), InFlight: st.InFlight.Load(), Dropped: st.Dropped.Load(),
		TimedOut: st.TimedOut.Load(),
	}}
	for _, d := range drops {
		resp.DroppedTotal += d.Events
	}
	writeJSON(w, http.StatusOK, &resp)
	return nil
}

// DecisionsResponse is the body of GET /v1/decisions.
type DecisionsResponse struct {
	Version   int64      `json:"version"`
	Decisions []Decision `json:"decisions"`
}

// ETag returns the entity tag of a decisions version.
func ETag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

func (s *Server) handleDecisions(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyIngest, KeyAdmin); err != nil {
		return err
	}
	var wait time.Duration
	if v := r.URL.Query().Get("wait"); v != "" {
		d, err := parseWait(v)
		if err != nil {
			return FieldErrorf("wait", "%v", err)
		}
		wait = d
	}
	ctx := r.Context()
	ver, ds, err := s.decided.get(ctx)
	if err != nil {
		return err
	}
	inm := r.Header.Get("If-None-Match")
	if etagMatch(inm, ver) && wait > 0 {
		// Long poll: answer as soon as the version changes, here or on
		// another replica (pushed by the store, else seen within a
		// second).
		deadline := time.NewTimer(wait)
		defer deadline.Stop()
		every := time.Second
		if s.decided.pushed {
			every = pushFallback
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
	poll:
		for etagMatch(inm, ver) {
			select {
			case <-s.decided.wait():
			case <-tick.C:
				s.decided.invalidate()
			case <-deadline.C:
				break poll
			case <-ctx.Done():
				return nil
			}
			if ver, ds, err = s.decided.get(ctx); err != nil {
				return err
			}
		}
	}
	w.Header().Set("ETag", ETag(ver))
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatch(inm, ver) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	now := s.now()
	active := make([]Decision, 0, len(ds))
	for _, d := range ds {
		if d.Active(now) {
			active = append(active, d)
		}
	}
	writeJSON(w, http.StatusOK, &DecisionsResponse{Version: ver, Decisions: active})
	return nil
}

// etagMatch reports whether an If-None-Match header names the ETag of
// version: one of its comma-separated tags, weak or not, or "*".
func etagMatch(inm string, version int64) bool {
	if inm == "" {
		return false
	}
	want := ETag(version)
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == want || t == "*" {
			return true
		}
	}
	return false
}

func parseWait(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		n, err2 := strconv.Atoi(v)
		if err2 != nil {
			return 0, fmt.Errorf("want a duration such as 30s")
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > maxWait {
		return 0, fmt.Errorf("want 0 to %s", maxWait)
	}
	return d, nil
}

// decodeJSON decodes an admin request body, naming the field at fault.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		return FieldErrorf("body", "reading: %v", err)
	}
	if len(b) > maxAdminBody {
		return &Error{Code: ETooLarge, Field: "body", Message: fmt.Sprintf("over %d bytes", maxAdminBody)}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return FieldErrorf(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
		}
		return jsonError("", err)
	}
	return nil
}

// DecisionRequest is the body of POST /v1/decisions. ExpiresAt or TTL (a
// Go duration, "24h") set the expiry; neither means until deleted.
type DecisionRequest struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	TTL       string    `json:"ttl,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	SignalID  string    `json:"signal_id,omitempty"`
	Author    string    `json:"author,omitempty"`
}

// DecisionResponse is the body of POST /v1/decisions and DELETE.
type DecisionResponse struct {
	Version  int64     `json:"version"`
	Decision *Decision `json:"decision,omitempty"`
}

// validateDecision checks a decision's kind, value, expiry and sizes, and
// normalizes an IP value.
func validateDecision(d *Decision, now time.Time) error {
	switch d.Kind {
	case BlockIP, ChallengeIP:
		if p, err := netip.ParsePrefix(d.Value); err == nil {
			d.Value = p.Masked().String()
		} else if a, err := netip.ParseAddr(d.Value); err == nil {
			d.Value = a.Unmap().String()
		} else {
			return FieldErrorf("value", "%q is not an IP address or CIDR", truncate(d.Value, 64))
		}
	case BlockUser, ChallengeUser:
		if strings.TrimSpace(d.Value) == "" {
			return FieldErrorf("value", "required: the user id")
		}
	case "":
		return FieldErrorf("kind", "required: one of block_ip, block_user, challenge_ip, challenge_user")
	default:
		return FieldErrorf("kind", "%q: want block_ip, block_user, challenge_ip or challenge_user", truncate(d.Kind, 64))
	}
	if len(d.Value) > maxValue {
		return &Error{Code: ETooLarge, Field: "value", Message: fmt.Sprintf("over %d bytes", maxValue)}
	}
	if len(d.Reason) > maxValue {
		return &Error{Code: ETooLarge, Field: "reason", Message: fmt.Sprintf("over %d bytes", maxValue)}
	}
	if !d.ExpiresAt.IsZero() && !d.ExpiresAt.After(now) {
		return FieldErrorf("expires_at", "in the past")
	}
	return nil
}

func (s *Server) handlePostDecision(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	var req DecisionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	now := s.now()
	d := Decision{Kind: req.Kind, Value: req.Value, ExpiresAt: req.ExpiresAt, Reason: req.Reason, SignalID: req.SignalID,
		Author: "admin", CreatedAt: now.UTC()}
	if req.Author != "" {
		d.Author = "admin:" + truncate(req.Author, 64)
	}
	if req.TTL != "" {
		if !req.ExpiresAt.IsZero() {
			return FieldErrorf("ttl", "give ttl or expires_at, not both")
		}
		ttl, err := time.ParseDuration(req.TTL)
		if err != nil || ttl <= 0 {
			return FieldErrorf("ttl", "want a positive duration such as 24h")
		}
		d.ExpiresAt = now.Add(ttl).UTC()
	}
	if err := validateDecision(&d, now); err != nil {
		return err
	}
	if why := s.guard.refuses(&d, false); why != "" {
		return FieldErrorf("value", "rampart does not %s %s: %s", strings.ReplaceAll(d.Kind, "_", " "), truncate(d.Value, 64), why)
	}
	v, err := s.store.PutDecision(r.Context(), &d)
	if err != nil {
		return err
	}
	s.decided.changed()
	writeJSON(w, http.StatusCreated, &DecisionResponse{Version: v, Decision: &d})
	return nil
}

func (s *Server) handleDeleteDecision(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	v, err := s.store.DeleteDecision(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.decided.changed()
	writeJSON(w, http.StatusOK, &DecisionResponse{Version: v})
	return nil
}

// maxIPFilter bounds the ip filter of a signal query (an IPv6 prefix is
// at most 43 bytes).
const maxIPFilter = 64

// ParseSignalQuery reads the filters and paging of GET /v1/signals:
// type and severity (comma-separated lists), status, service, since and
// until (RFC 3339), limit and cursor.
func ParseSignalQuery(v map[string][]string) (SignalQuery, error) {
	get := func(k string) string {
		if len(v[k]) > 0 {
			return v[k][0]
		}
		return ""
	}
	var q SignalQuery
	list := func(k string, allowed []string) ([]string, error) {
		s := get(k)
		if s == "" {
			return nil, nil
		}
		var out []string
		for _, x := range strings.Split(s, ",") {
			x = strings.TrimSpace(x)
			if !slices.Contains(allowed, x) {
				return nil, FieldErrorf(k, "%q: want one of %s", truncate(x, 64), strings.Join(allowed, ", "))
			}
			out = append(out, x)
		}
		return out, nil
	}
	var err error
	if q.Types, err = list("type", SignalTypes); err != nil {
		return q, err
	}
	if q.Severities, err = list("severity", Severities); err != nil {
		return q, err
	}
	switch st := get("status"); st {
	case "", StatusOpen, StatusArchived:
		q.Status = st
	default:
		return q, FieldErrorf("status", "%q: want open or archived", truncate(st, 64))
	}
	q.Service = get("service")
	if q.IP = strings.TrimSpace(get("ip")); len(q.IP) > maxIPFilter {
		return q, FieldErrorf("ip", "%d bytes, over the limit of %d", len(q.IP), maxIPFilter)
	}
	for _, t := range []struct {
		k string
		p *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if s := get(t.k); s != "" {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, FieldErrorf(t.k, "want an RFC 3339 time")
			}
			*t.p = tm
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return q, FieldErrorf("limit", "want 1 to %d", MaxPageSize)
		}
		q.Limit = n
	}
	q.Cursor = get("cursor")
	switch q.Sort = get("sort"); q.Sort {
	case "", SortRecent, SortSeverity:
	default:
		return q, FieldErrorf("sort", "want %s or %s", SortRecent, SortSeverity)
	}
	return q, nil
}

func (s *Server) handleSignals(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	q, err := ParseSignalQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.Signals(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &page)
	return nil
}

func (s *Server) handleSignal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	n := defaultDetailEvents
	if v := r.URL.Query().Get("events"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > maxDetailEvents {
			return FieldErrorf("events", "want 0 to %d", maxDetailEvents)
		}
	}
	d, err := s.store.Signal(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	out := signalResponse{SignalDetail: d}
	if s.notes != nil {
		ns, err := s.notes.SignalNotes(r.Context(), d.ID, maxAPINotes)
		if err != nil {
			return err
		}
		out.Notes = make([]apiNote, len(ns))
		for i, n := range ns {
			out.Notes[i] = apiNote{ID: n.ID, Author: n.Author, Text: n.Text, Assignee: n.Assignee, CreatedAt: n.CreatedAt}
		}
		if len(ns) > 0 {
			out.Assignee = ns[0].Assignee
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxAPINotes is how many of a signal's notes GET /v1/signals/{id} returns,
// newest first.
const maxAPINotes = 100

// signalResponse is GET /v1/signals/{id}'s answer: the signal, its newest
// events, and, when the store keeps them, its notes (newest first) and the
// person it is assigned to (the newest note's assignee).
type signalResponse struct {
	*SignalDetail
	Notes    []apiNote `json:"notes,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
}

// apiNote is a note on a signal, as the API shows it.
type apiNote struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	Assignee  string    `json:"assignee,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// noteLister is the part of a store that lists a signal's notes (the SQL
// stores have it; see collector/ui's NoteStore).
type noteLister interface {
	SignalNotes(ctx context.Context, signalID string, limit int) ([]Note, error)
}

func (s *Server) handlePatchSignal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Status != StatusOpen && req.Status != StatusArchived {
		return FieldErrorf("status", "want open or archived")
	}
	id := r.PathValue("id")
	if err := s.store.SetSignalStatus(r.Context(), id, req.Status); err != nil {
		return err
	}
	d, err := s.store.Signal(r.Context(), id, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &d.Signal)
	return nil
}

// KeyResponse is a key as the API shows it; Secret only once, when made.
type KeyResponse struct {
	Key
	Secret string `json:"key,omitempty"`
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	ks, err := s.store.Keys(r.Context())
	if err != nil {
		return err
	}
	if ks == nil {
		ks = []Key{}
	}
	writeJSON(w, http.StatusOK, map[string][]Key{"keys": ks})
	return nil
}

func (s *Server) handlePostKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	var req struct {
		Name    string `json:"name"`
		Service string `json:"service"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.Name) > 256 {
		return &Error{Code: ETooLarge, Field: "name", Message: "over 256 bytes"}
	}
	if len(req.Service) > 256 {
		return &Error{Code: ETooLarge, Field: "service", Message: "over 256 bytes"}
	}
	secret := NewSecret(KeyIngest)
	h := HashSecret(secret)
	k := Key{ID: "key_" + h[:16], Name: req.Name, Kind: KeyIngest, Hash: h, Service: strings.TrimSpace(req.Service), CreatedAt: s.now().UTC()}
	if err := s.store.PutKey(r.Context(), k); err != nil {
		return err
	}
	if err := s.keys.reload(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &KeyResponse{Key: k, Secret: secret})
	return nil
}

func (s *Server) handleDeleteKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	if err := s.store.RevokeKey(r.Context(), r.PathValue("id"), s.now().UTC()); err != nil {
		return err
	}
	if err := s.keys.reload(r.Context()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
