// Package collector is the domain of rampart's backend (`rampart serve`):
// the signals that group what the libraries report, the decisions that
// answer them, the ingest of event batches and the JSON HTTP API.
//
// It follows the standard package layout: the domain types and the small
// store interfaces live here, each backend in its own subpackage
// (collector/sqlite, collector/postgres, both over collector/sqlstore), and
// collector/storetest is the contract suite every Store must pass.
//
// Ingest groups attack events into signals by service, rule and attacker
// IP, and exploit events by service, rule and code location (file:line).
// User events are stored and handed to a Detector (account-takeover
// detection, collector/ato), whose detections become signals and decisions.
package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/rampartsec/rampart/event"
)

// Signal types, as in the HTTP API's contract.
const (
	SignalAttack                        = "attack"
	SignalExploit                       = "exploit"
	SignalBruteForce                    = "brute_force"
	SignalCredentialStuffing            = "credential_stuffing"
	SignalDistributedCredentialStuffing = "distributed_credential_stuffing"
	SignalAccountTakeover               = "account_takeover"
	SignalLoginVelocity                 = "login_velocity"
)

// SignalTypes lists every signal type.
var SignalTypes = []string{
	SignalAttack, SignalExploit, SignalBruteForce, SignalCredentialStuffing,
	SignalDistributedCredentialStuffing, SignalAccountTakeover, SignalLoginVelocity,
}

// Severities, lowest first.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Severities lists the severities, lowest first.
var Severities = []string{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Signal statuses. New events on an archived signal open it again.
const (
	StatusOpen     = "open"
	StatusArchived = "archived"
)

// MaxSignalValues bounds the IPs and users a signal keeps (the first ones
// seen); Count keeps counting.
const MaxSignalValues = 200

// Signal is a group of related events a person can act on: one attacker
// hitting one rule, one exploitable code location, one account-takeover
// pattern.
type Signal struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	// Title says what happened in a few words.
	Title string `json:"title"`
	// Service and Env are where it happened (the first event's).
	Service string `json:"service,omitempty"`
	Env     string `json:"env,omitempty"`
	// RuleID is the WAF or exploit-prevention rule (attacks, exploits).
	RuleID string `json:"rule_id,omitempty"`
	// Location is the code location "file:line" (exploits).
	Location  string    `json:"location,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// IPs and Users are the attackers and the affected users, at most
	// MaxSignalValues of each.
	IPs   []string `json:"ips"`
	Users []string `json:"users"`
	// Count is the number of events grouped into the signal.
	Count int64 `json:"count"`
	// Key is the grouping key: events and detections with the same key
	// update the same signal. ID is derived from it (SignalID).
	Key string `json:"key"`
	// Evidence are JSON documents a Detector attaches to its update (the
	// attempts it counted, its metrics); RecordSignals stores each as an
	// event of the signal, of type "detection", at LastSeen. It is not
	// part of the signal's JSON: the events are.
	Evidence []json.RawMessage `json:"-"`
}

// EventDetection is the type of the events that hold a detector's
// evidence (Signal.Evidence).
const EventDetection = "detection"

// SignalID returns the id of the signal with grouping key key.
func SignalID(key string) string {
	h := sha256.Sum256([]byte(key))
	return "sig_" + hex.EncodeToString(h[:10])
}

// Decision kinds, as in the HTTP API's contract.
const (
	BlockIP       = "block_ip"
	BlockUser     = "block_user"
	ChallengeIP   = "challenge_ip"
	ChallengeUser = "challenge_user"
)

// Decision is a response the libraries enforce: block or challenge an IP
// (or a CIDR) or a user id, until ExpiresAt (zero: until deleted). There is
// at most one decision per kind and value: putting another replaces it.
type Decision struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	// Author is who made it: "admin", "key:<id>" or "detector".
	Author string `json:"author,omitempty"`
	// SignalID is the signal it answers, if any.
	SignalID  string    `json:"signal_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Active reports whether d is in force at now.
func (d *Decision) Active(now time.Time) bool {
	return d.ExpiresAt.IsZero() || d.ExpiresAt.After(now)
}

// Key kinds.
const (
	KeyAdmin  = "admin"
	KeyIngest = "ingest"
)

// Key is an API credential. Only the SHA-256 of the secret is stored.
type Key struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Kind string `json:"kind"`
	Hash string `json:"-"` // hex SHA-256 of the secret
	// Service, when set, scopes an ingest key: its batches may only
	// carry events of this service.
	Service   string    `json:"service,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// HashSecret returns the stored form of a key's secret.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// StoredEvent is one event of a batch as the store keeps it.
type StoredEvent struct {
	// Event is the decoded event (Service and Env filled from the batch).
	Event *event.Event
	// Raw is the event's JSON as stored and returned.
	Raw json.RawMessage
	// SignalKey is the signal the event is grouped into, or "".
	SignalKey string
}

// Batch is one accepted ingest request.
type Batch struct {
	ID string
	// Hash is the hex SHA-256 of the request body: a retried batch has
	// the same, a different batch reusing the id does not.
	Hash       string
	KeyID      string
	ReceivedAt time.Time
	Events     []StoredEvent
	// Signals are the signal updates the events cause (Count is the
	// number of the batch's events in each).
	Signals []Signal
	// Service is the batch's service: its "service" field, else its first
	// event's.
	Service string
	// Detect asks the store to queue the batch's user events for
	// detection (DetectQueue), in the transaction that stores it.
	Detect bool
	// Dropped is the number of events the sender reports it dropped
	// since its previous batch (the "dropped" field of the Lambda
	// extension). A stored batch adds it to the drops of its key and
	// service; a batch may carry no events when Dropped > 0.
	Dropped int64
}

// DropCount is the events that the senders of one ingest key and service
// reported dropped (Batch.Dropped), summed over the stored batches.
type DropCount struct {
	KeyID   string `json:"key_id"`
	Service string `json:"service"`
	// Events is the sum of the batches' Dropped.
	Events int64 `json:"events"`
	// Batches is the number of batches that reported drops.
	Batches int64 `json:"batches"`
	// LastReported is the ReceivedAt of the newest such batch.
	LastReported time.Time `json:"last_reported"`
}

// Appended is the outcome of storing one batch.
type Appended struct {
	// Duplicate is true when a batch with the same id and hash was
	// already stored; nothing was stored again.
	Duplicate bool
	// Err is a conflict when the id was used by a different batch.
	Err error
}

// SignalQuery selects a page of signals, newest activity first (by
// LastSeen, then ID). Empty fields do not filter.
type SignalQuery struct {
	Types      []string
	Severities []string
	Status     string
	Service    string
	// IP selects the signals that list this address (or prefix, as
	// written) among their IPs.
	IP string
	// Since and Until bound LastSeen: Since <= LastSeen < Until.
	Since, Until time.Time
	// Limit is the page size (1..MaxPageSize; 0 means DefaultPageSize).
	Limit int
	// Cursor continues after the last signal of a previous page.
	Cursor string
	// Sort is the order: SortRecent (also "") or SortSeverity.
	Sort string
}

// Orders of SignalQuery.Sort.
const (
	// SortRecent lists the newest activity first.
	SortRecent = "recent"
	// SortSeverity lists the most severe first (critical, high, medium,
	// low), newest activity first within a severity.
	SortSeverity = "severity"
)

// Page sizes of SignalQuery.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// SignalPage is a page of signals.
type SignalPage struct {
	Signals []Signal `json:"signals"`
	// Total is the number of signals matching the filters (all pages).
	Total int64 `json:"total"`
	// NextCursor continues with the next page; empty on the last one.
	NextCursor string `json:"next_cursor,omitempty"`
}

// SignalDetail is a signal with its most recent events.
type SignalDetail struct {
	Signal
	// Events are the newest events, at most the limit asked for, each as
	// ingested (request, triggers, exploit with its stack trace).
	Events []json.RawMessage `json:"events"`
}

// EventStore keeps batches of events durably.
type EventStore interface {
	// Drops returns the drop counters of every key and service that
	// reported drops, by key id then service. Append adds a stored
	// batch's Dropped to them in the batch's transaction, so a duplicate
	// never counts twice.
	Drops(ctx context.Context) ([]DropCount, error)
	// Append stores each batch atomically with its events and signal
	// updates, and makes them durable before returning. A batch whose id
	// is already stored is not stored again (see Appended). The results
	// are in the order of the batches; the error is for a failure of the
	// whole call, when nothing was stored.
	Append(ctx context.Context, batches []*Batch) ([]Appended, error)
	// RecordSignals applies signal updates raised outside a batch (by a
	// Detector): a new key creates a signal, a known key adds to it.
	RecordSignals(ctx context.Context, updates []Signal) error
}

// SignalStore reads and triages signals.
type SignalStore interface {
	// Signals returns a page of signals matching q.
	Signals(ctx context.Context, q SignalQuery) (SignalPage, error)
	// Signal returns a signal with its newest events (at most events).
	Signal(ctx context.Context, id string, events int) (*SignalDetail, error)
	// SetSignalStatus changes a signal's status.
	SetSignalStatus(ctx context.Context, id, status string) error
}

// DecisionStore keeps the decisions and their version, which every change
// increments.
type DecisionStore interface {
	// Decisions returns the version and every stored decision.
	Decisions(ctx context.Context) (int64, []Decision, error)
	// PutDecision stores d, replacing the decision with the same kind and
	// value (whose id d then takes), and returns the new version.
	PutDecision(ctx context.Context, d *Decision) (int64, error)
	// DeleteDecision removes a decision and returns the new version.
	DeleteDecision(ctx context.Context, id string) (int64, error)
}

// KeyStore keeps the API credentials.
type KeyStore interface {
	// Keys returns every key, revoked ones included.
	Keys(ctx context.Context) ([]Key, error)
	// PutKey stores k, replacing a key with the same id.
	PutKey(ctx context.Context, k Key) error
	// AddKey stores k unless a key with its id exists, revoked or not,
	// atomically (of replicas adding it at once, one does), and reports
	// whether it was added.
	AddKey(ctx context.Context, k Key) (bool, error)
	// RevokeKey marks a key revoked at the given time.
	RevokeKey(ctx context.Context, id string, at time.Time) error
}

// Store is everything the collector keeps: the small interfaces above,
// which a backend implements together.
type Store interface {
	EventStore
	SignalStore
	DecisionStore
	KeyStore
	Close() error
}

// Detection is what a Detector found: a signal to raise or update, and the
// decisions that respond to it (their SignalID is filled in).
type Detection struct {
	Signal    Signal
	Decisions []Decision
	// Update marks the update of a campaign already signalled, which goes
	// on: Signal.Count is the attempts it adds, each counted once. The
	// server may merge a signal's updates before recording them; an
	// update has no decision (those were made with the signal). A
	// Detection whose Signal.Count is 0 counts nothing new (an emission
	// replayed after it was recorded): its signal is left as it is, and
	// its decisions apply.
	Update bool
}

// Detector watches user events (logins, signups, sessions) for account
// takeover. Observe is called once for each stored user event, in the
// order of ingest, never for a duplicate batch. It uses the event's own
// time, not the clock, and must be safe for concurrent use.
type Detector interface {
	Observe(ctx context.Context, e *event.Event) ([]Detection, error)
}

// Change names what a store write changed, for the caches of the
// collector's replicas.
type Change string

// The changes a Watcher reports.
const (
	ChangeDecisions Change = "decisions" // a decision stored or deleted
	ChangeKeys      Change = "keys"      // a key added, replaced or revoked
)

// Watcher is implemented by the stores that report their changes: those
// written through the store itself and, for a store that replicas share
// (PostgreSQL), those written by every other replica, pushed as they
// commit. A Server over such a store sees a revoked key and a decision
// made anywhere (the API, the UI, a detector) at once, instead of at its
// caches' next refresh.
type Watcher interface {
	// Watch calls f after each change; f must not block.
	Watch(f func(Change))
}

// Retention says how long the store keeps what grows with traffic; a zero
// duration keeps it forever.
type Retention struct {
	// Events are the stored events (a signal keeps its counts, first and
	// last seen, addresses and users when its events are gone).
	Events time.Duration
	// Batches are the records of received batch ids, which make a retried
	// batch a duplicate: keep them longer than senders retry.
	Batches time.Duration
	// Decisions are the decisions past their expiry.
	Decisions time.Duration
}

// DefaultRetention is the retention of `rampart serve`.
var DefaultRetention = Retention{Events: 30 * 24 * time.Hour, Batches: 7 * 24 * time.Hour, Decisions: 24 * time.Hour}

// Pruned counts what one pruning deleted.
type Pruned struct {
	Events, Batches, Decisions int64
}

// Pruner is implemented by the stores that delete what their retention no
// longer keeps, in short transactions.
type Pruner interface {
	Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error)
}

// DetectQueue is implemented by the stores that keep the batches waiting
// for the account-takeover detectors: queued in the transaction that
// stores them (Batch.Detect), so that a batch acknowledged is a batch
// detected even if its replica is killed, and claimed by any replica, so
// that detection is not bound to the replica that took the batch and does
// not slow ingest down.
type DetectQueue interface {
	// ClaimDetect claims, for lease, up to n queued batches that no
	// replica holds (or whose claim expired by now), oldest first, and
	// returns their user events.
	ClaimDetect(ctx context.Context, now time.Time, lease time.Duration, n int) ([]QueuedBatch, error)
	// DoneDetect removes batches run through detection from the queue.
	DoneDetect(ctx context.Context, ids []string) error
}

// QueuedBatch is a batch waiting for detection: its user events.
type QueuedBatch struct {
	ID     string
	Events []*event.Event
	// Replayed: a replica claimed the batch before and did not finish it
	// (it died while detecting), so what it detected may have been lost
	// between the detectors and the store.
	Replayed bool
}
