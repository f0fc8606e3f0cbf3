package collector

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/jsonscan"
)

// Limits bound what one ingest request may hold. The zero value of a field
// means its default (DefaultLimits).
type Limits struct {
	// BodyBytes bounds the request body, after gzip decoding: a batch of
	// 1,000 large events fits, and a gzip bomb stops there.
	BodyBytes int64
	// Events bounds the events of one batch.
	Events int
	// EventBytes bounds one event's JSON.
	EventBytes int
	// StringBytes bounds every string inside an event (a value, a SQL
	// statement, a URI): the library truncates at 4 KiB, so anything
	// much longer is not from it.
	StringBytes int
	// Future bounds how far ahead of the collector's clock an event's
	// time may be (clock skew); Past how far behind (replays of recorded
	// traffic are fine, a year-old batch is a mistake).
	Future, Past time.Duration
}

// DefaultLimits are the limits used for zero fields.
var DefaultLimits = Limits{
	BodyBytes:   8 << 20,
	Events:      1000,
	EventBytes:  256 << 10,
	StringBytes: 16 << 10,
	Future:      5 * time.Minute,
	Past:        366 * 24 * time.Hour,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.BodyBytes > 0 {
		d.BodyBytes = l.BodyBytes
	}
	if l.Events > 0 {
		d.Events = l.Events
	}
	if l.EventBytes > 0 {
		d.EventBytes = l.EventBytes
	}
	if l.StringBytes > 0 {
		d.StringBytes = l.StringBytes
	}
	if l.Future > 0 {
		d.Future = l.Future
	}
	if l.Past > 0 {
		d.Past = l.Past
	}
	return d
}

// Limits inside an event that are not worth configuring: the library
// sends far less.
const (
	maxBatchID   = 128 // bytes of a batch id
	maxHeaders   = 128 // request headers kept in an event
	maxTriggers  = 256 // rules matched by one request
	maxFrames    = 512 // frames of a stack trace
	maxKeyPath   = 64  // elements of a key path
	maxMetaDepth = 8   // nesting of a user event's metadata
	maxMetaItems = 512 // values in a user event's metadata
)

// wireBatch is the JSON body of POST /v1/events, an event.Batch, as the
// slow path decodes it: its dropped field kept raw, to name its error.
type wireBatch struct {
	event.Batch
	Dropped json.RawMessage `json:"dropped"`
}

// ReadBody reads an ingest body, gzip-decoding it when encoding is "gzip",
// up to limit bytes after decoding.
func ReadBody(r io.Reader, encoding string, limit int64) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
	case "gzip":
		// The compressed body is bounded by the caller's MaxBytesReader;
		// the decoded one here.
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, &Error{Code: EInvalid, Field: "body", Message: "bad gzip data: " + err.Error()}
		}
		defer zr.Close()
		r = zr
	default:
		return nil, &Error{Code: EUnsupported, Field: "Content-Encoding", Message: fmt.Sprintf("%q is not supported (use gzip or none)", encoding)}
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &Error{Code: ETooLarge, Field: "body", Message: fmt.Sprintf("over %d bytes", limit)}
		}
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &Error{Code: EInvalid, Field: "body", Message: "bad gzip data: " + err.Error()}
		}
		return nil, &Error{Code: EInvalid, Field: "body", Message: "reading: " + err.Error()}
	}
	if int64(len(b)) > limit {
		return nil, &Error{Code: ETooLarge, Field: "body", Message: fmt.Sprintf("over %d bytes", limit)}
	}
	return b, nil
}

// DecodeBatch decodes and validates an ingest body into a Batch (without
// KeyID and ReceivedAt), grouping its attack and exploit events into signal
// updates. now is the collector's clock, for the time-skew limits. Every
// error is an *Error naming the field at fault.
func DecodeBatch(body []byte, lim Limits, now time.Time) (*Batch, error) {
	lim = lim.withDefaults()
	if int64(len(body)) > lim.BodyBytes {
		return nil, &Error{Code: ETooLarge, Field: "body", Message: fmt.Sprintf("over %d bytes", lim.BodyBytes)}
	}
	if !utf8.Valid(body) {
		return nil, FieldErrorf("body", "not valid UTF-8")
	}
	// The fast path decodes the whole body in one pass and finds each
	// event's bytes with a light scanner; any trouble (an error to name
	// precisely, an escaped key) takes the slow path, which decodes event
	// by event.
	var wb wireBatch
	var decoded []event.Event
	var fast fastBatch
	if err := json.Unmarshal(body, &fast); err == nil && fast.Events != nil {
		if raws, ok := splitEvents(body); ok && len(raws) == len(fast.Events) {
			wb = wireBatch{Batch: fast.Batch, Dropped: fast.Dropped}
			wb.Batch.Events = raws
			decoded = fast.Events
		}
	}
	if decoded == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&wb); err != nil {
			return nil, jsonError("", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, FieldErrorf("body", "data after the batch object")
		}
	}
	if wb.ID == "" {
		return nil, FieldErrorf("batch_id", "required")
	}
	if len(wb.ID) > maxBatchID || !validBatchID(wb.ID) {
		return nil, FieldErrorf("batch_id", "want 1 to %d letters, digits or '-_.:'", maxBatchID)
	}
	if err := checkString("service", wb.Service, lim.StringBytes); err != nil {
		return nil, err
	}
	if err := checkString("env", wb.Env, lim.StringBytes); err != nil {
		return nil, err
	}
	dropped, err := parseDropped(wb.Dropped)
	if err != nil {
		return nil, err
	}
	if wb.Events == nil && dropped == 0 {
		return nil, FieldErrorf("events", "required")
	}
	if len(wb.Events) == 0 && dropped == 0 {
		// a batch of drops only is how a sender reports them without
		// waiting for events
		return nil, FieldErrorf("events", "empty batch")
	}
	if len(wb.Events) > lim.Events {
		return nil, &Error{Code: ETooLarge, Field: "events", Message: fmt.Sprintf("%d events, over the limit of %d", len(wb.Events), lim.Events)}
	}
	sum := sha256.Sum256(body)
	b := &Batch{ID: wb.ID, Hash: hex.EncodeToString(sum[:]), Events: make([]StoredEvent, len(wb.Events)), Service: wb.Service, Dropped: dropped}
	g := newGrouper()
	for i, raw := range wb.Events {
		field := "events[" + strconv.Itoa(i) + "]"
		if len(raw) > lim.EventBytes {
			return nil, &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("%d bytes, over the limit of %d", len(raw), lim.EventBytes)}
		}
		var ev *event.Event
		if decoded != nil {
			ev = &decoded[i]
		} else {
			ev = new(event.Event)
			if err := json.Unmarshal(raw, ev); err != nil {
				return nil, jsonError(field, err)
			}
		}
		if ev.Service == "" {
			ev.Service = wb.Service
		}
		if ev.Env == "" {
			ev.Env = wb.Env
		}
		if err := validateEvent(field, ev, lim, now); err != nil {
			return nil, err
		}
		b.Events[i] = StoredEvent{Event: ev, Raw: raw, SignalKey: g.add(ev)}
	}
	b.Signals = g.signals()
	if b.Service == "" && len(b.Events) > 0 {
		b.Service = b.Events[0].Event.Service
	}
	return b, nil
}

// MaxDropped bounds the "dropped" field of a batch.
const MaxDropped = 1 << 40

// parseDropped reads a batch's "dropped" field: absent, null or an integer
// from 0 to MaxDropped.
func parseDropped(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 || n > MaxDropped {
		return 0, FieldErrorf("dropped", "want an integer from 0 to %d", int64(MaxDropped))
	}
	return n, nil
}

// fastBatch is the body of POST /v1/events, an event.Batch, decoded in
// one pass: its events decoded (the raw ones are found by splitEvents),
// its dropped field kept raw.
type fastBatch struct {
	event.Batch
	Events  []event.Event   `json:"events"`
	Dropped json.RawMessage `json:"dropped"`
}

// splitEvents returns the bytes of each element of the top-level "events"
// array of body, which json.Unmarshal has already found valid. It gives up
// (false) on what it does not need to handle: a key with escapes, a body
// that is not an object.
func splitEvents(body []byte) ([]json.RawMessage, bool) {
	var buf [8]jsonscan.Member
	ms, ok := jsonscan.Members(body, buf[:0])
	if !ok {
		return nil, false
	}
	var out []json.RawMessage
	found := false
	for _, m := range ms {
		if bytes.IndexByte(m.Key, '\\') >= 0 {
			return nil, false
		}
		if string(m.Key) != "events" { // json matches keys case-insensitively
			if strings.EqualFold(string(m.Key), "events") {
				return nil, false
			}
			continue
		}
		if found {
			// twice: encoding/json would decode the second array over
			// the first one's elements; the slow path keeps them apart
			return nil, false
		}
		found = true
		if m.Value[0] == '[' { // else null
			out, _ = jsonscan.Elements(m.Value, []json.RawMessage{})
		}
	}
	return out, found
}

func validBatchID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// jsonError turns a decoding error into an *Error naming the field.
func jsonError(prefix string, err error) *Error {
	join := func(f string) string {
		switch {
		case prefix == "":
			return f
		case f == "":
			return prefix
		}
		return prefix + "." + f
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// encoding/json names the fields of wireBatch's embedded
		// event.Batch "Batch.batch_id": the body says "batch_id"
		f := strings.TrimPrefix(te.Field, "Batch.")
		if f == "" {
			f = "body"
			if prefix != "" {
				f = ""
			}
		}
		return FieldErrorf(join(f), "want %s, got JSON %s", te.Type.String(), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		f := "body"
		if prefix != "" {
			f = prefix
		}
		return FieldErrorf(f, "malformed JSON at byte %d: %v", se.Offset, se)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return FieldErrorf(join("time"), "want an RFC 3339 time: %v", pe)
	}
	f := "body"
	if prefix != "" {
		f = prefix
	}
	return FieldErrorf(f, "%v", err)
}

func checkString(field, s string, limit int) error {
	if len(s) > limit {
		return &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("%d bytes, over the string limit of %d", len(s), limit)}
	}
	return nil
}

func checkIP(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := netip.ParseAddr(s); err != nil {
		return FieldErrorf(field, "not an IP address: %q", truncate(s, 64))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// validateEvent checks the type, the time and every string of ev.
func validateEvent(field string, ev *event.Event, lim Limits, now time.Time) error {
	switch {
	case ev.Type == "":
		return FieldErrorf(field+".type", "required")
	case ev.Type == event.TypeAttack, ev.Type == event.TypeExploit, ev.Type == event.TypeRequest, event.IsUserEvent(ev.Type):
	default:
		return FieldErrorf(field+".type", "unknown event type %q", truncate(ev.Type, 64))
	}
	if ev.Time.IsZero() {
		return FieldErrorf(field+".time", "required")
	}
	if ev.Time.After(now.Add(lim.Future)) {
		return FieldErrorf(field+".time", "%s is more than %s ahead of the collector's clock", ev.Time.Format(time.RFC3339), lim.Future)
	}
	if ev.Time.Before(now.Add(-lim.Past)) {
		return FieldErrorf(field+".time", "%s is more than %s in the past", ev.Time.Format(time.RFC3339), lim.Past)
	}
	n := lim.StringBytes
	for _, s := range [...]struct{ f, v string }{
		{"service", ev.Service}, {"env", ev.Env}, {"function", ev.Function}, {"version", ev.Version},
		{"mode", ev.Mode}, {"user_agent", ev.UserAgent}, {"session_id", ev.SessionID}, {"name", ev.Name},
	} {
		if err := checkString(field+"."+s.f, s.v, n); err != nil {
			return err
		}
	}
	if err := checkIP(field+".ip", ev.IP); err != nil {
		return err
	}
	switch ev.Type {
	case event.TypeAttack:
		if len(ev.Triggers) == 0 {
			return FieldErrorf(field+".triggers", "an attack event needs at least one trigger")
		}
	case event.TypeExploit:
		if ev.Exploit == nil {
			return FieldErrorf(field+".exploit", "required for an exploit event")
		}
	}
	if event.IsUserEvent(ev.Type) && ev.Type != event.TypeCustom && (ev.Usr == nil || ev.Usr.ID == "" && ev.Usr.Login == "") {
		return FieldErrorf(field+".usr", "a user event needs usr.id or usr.login")
	}
	if u := ev.Usr; u != nil {
		if err := checkString(field+".usr.id", u.ID, n); err != nil {
			return err
		}
		if err := checkString(field+".usr.login", u.Login, n); err != nil {
			return err
		}
	}
	if r := ev.Request; r != nil {
		for _, s := range [...]struct{ f, v string }{{"method", r.Method}, {"uri", r.URI}, {"route", r.Route}, {"user_agent", r.UserAgent}} {
			if err := checkString(field+".request."+s.f, s.v, n); err != nil {
				return err
			}
		}
		if err := checkIP(field+".request.client_ip", r.ClientIP); err != nil {
			return err
		}
		if len(r.Headers) > maxHeaders {
			return &Error{Code: ETooLarge, Field: field + ".request.headers", Message: fmt.Sprintf("%d headers, over the limit of %d", len(r.Headers), maxHeaders)}
		}
		for k, v := range r.Headers {
			if err := checkString(field+".request.headers", k+v, n); err != nil {
				return err
			}
		}
	}
	if len(ev.Triggers) > maxTriggers {
		return &Error{Code: ETooLarge, Field: field + ".triggers", Message: fmt.Sprintf("%d triggers, over the limit of %d", len(ev.Triggers), maxTriggers)}
	}
	// the library lists at most event.MaxNotRun; the check of key paths
	// bounds the list and its strings
	if err := checkPath(field+".rules_not_run", ev.NotRun, n); err != nil {
		return err
	}
	if ev.NotRunCount < 0 {
		return FieldErrorf(field+".rules_not_run_count", "negative")
	}
	for i := range ev.Triggers {
		t := &ev.Triggers[i]
		tf := field + ".triggers[" + strconv.Itoa(i) + "]"
		if t.RuleID == "" {
			return FieldErrorf(tf+".rule_id", "required")
		}
		for _, s := range [...]struct{ f, v string }{{"rule_id", t.RuleID}, {"rule_name", t.RuleName}, {"category", t.Category},
			{"type", t.Type}, {"address", t.Address}, {"value", t.Value}, {"raw", t.Raw}, {"highlight", t.Highlight}} {
			if err := checkString(tf+"."+s.f, s.v, n); err != nil {
				return err
			}
		}
		if err := checkPath(tf+".key_path", t.KeyPath, n); err != nil {
			return err
		}
	}
	if x := ev.Exploit; x != nil {
		xf := field + ".exploit"
		if x.RuleID == "" {
			return FieldErrorf(xf+".rule_id", "required")
		}
		for _, s := range [...]struct{ f, v string }{{"rule_id", x.RuleID}, {"rule_name", x.RuleName}, {"detector", x.Detector},
			{"sink", x.Sink}, {"resource", x.Resource}, {"system", x.System}, {"input", x.Input},
			{"input_address", x.InputAddress}, {"reason", x.Reason}} {
			if err := checkString(xf+"."+s.f, s.v, n); err != nil {
				return err
			}
		}
		if err := checkPath(xf+".input_key_path", x.InputKeyPath, n); err != nil {
			return err
		}
		if len(x.Stack) > maxFrames {
			return &Error{Code: ETooLarge, Field: xf + ".stack", Message: fmt.Sprintf("%d frames, over the limit of %d", len(x.Stack), maxFrames)}
		}
		if x.Location != nil {
			if err := checkString(xf+".location", x.Location.Function+x.Location.File, n); err != nil {
				return err
			}
		}
		for i, fr := range x.Stack {
			if err := checkString(xf+".stack["+strconv.Itoa(i)+"]", fr.Function+fr.File, n); err != nil {
				return err
			}
		}
	}
	if ev.Metadata != nil {
		items := 0
		if err := checkMeta(field+".metadata", ev.Metadata, 1, &items, n); err != nil {
			return err
		}
	}
	return nil
}

func checkPath(field string, p []string, n int) error {
	if len(p) > maxKeyPath {
		return &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("%d elements, over the limit of %d", len(p), maxKeyPath)}
	}
	for _, s := range p {
		if err := checkString(field, s, n); err != nil {
			return err
		}
	}
	return nil
}

// checkMeta bounds the depth, the number of values and the strings of a
// user event's metadata.
func checkMeta(field string, v any, depth int, items *int, n int) error {
	*items++
	if *items > maxMetaItems {
		return &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("over %d values", maxMetaItems)}
	}
	switch v := v.(type) {
	case string:
		return checkString(field, v, n)
	case map[string]any:
		if depth > maxMetaDepth {
			return &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("nested deeper than %d", maxMetaDepth)}
		}
		for k, e := range v {
			if err := checkString(field, k, n); err != nil {
				return err
			}
			if err := checkMeta(field+"."+truncate(k, 64), e, depth+1, items, n); err != nil {
				return err
			}
		}
	case []any:
		if depth > maxMetaDepth {
			return &Error{Code: ETooLarge, Field: field, Message: fmt.Sprintf("nested deeper than %d", maxMetaDepth)}
		}
		for i, e := range v {
			if err := checkMeta(field+"["+strconv.Itoa(i)+"]", e, depth+1, items, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// EncodeBatch is the inverse of DecodeBatch's wire format, for clients and
// tests: the JSON body of POST /v1/events, as event.Batch encodes it.
func EncodeBatch(id, service, env string, events []*event.Event) ([]byte, error) {
	b := event.Batch{ID: id, Service: service, Env: env, Events: make([]json.RawMessage, 0, len(events))}
	if err := b.Add(events...); err != nil {
		return nil, err
	}
	return b.AppendJSON(nil), nil
}
