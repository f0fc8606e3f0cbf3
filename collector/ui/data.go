package ui

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// The UI reads the collector.Store, and beside it what the interfaces
// below declare: the aggregates its pages show (ReadModel), its own users
// (UserStore) and sessions (SessionStore), the notes on signals
// (NoteStore) and the signals per IP (IPCounter). The Store given to New
// implements them too, as collector/sqlstore's does.

// ReadModel is what the pages read of the stored events beyond the
// collector.Store: the overview's aggregates and a campaign's logins.
type ReadModel interface {
	// Overview aggregates the events of [since, until) in buckets bars.
	Overview(ctx context.Context, since, until time.Time, buckets int) (*Overview, error)
	// Logins returns the login events of an account-takeover signal,
	// newest first, at most limit, and whether there were more.
	Logins(ctx context.Context, sg *collector.Signal, limit int) ([]Login, bool, error)
	// LoginOverview counts the login failures and successes of
	// [since, until) in buckets bars, and returns the accounts with the
	// most failures, most first.
	LoginOverview(ctx context.Context, since, until time.Time, buckets int) (failures, successes []int64, accounts []Count, err error)
}

// NoteStore keeps the notes people write on signals. Adding a note to an
// unknown signal fails with collector.ENotFound.
type NoteStore interface {
	// AddSignalNote stores a new note (an empty ID is given one).
	AddSignalNote(ctx context.Context, n *collector.Note) error
	// SignalNotes returns a signal's notes, newest first, at most limit.
	SignalNotes(ctx context.Context, signalID string, limit int) ([]collector.Note, error)
	// SignalNoteSummaries returns how many notes each of the signals has
	// and its newest, for the signals that have notes.
	SignalNoteSummaries(ctx context.Context, ids []string) (map[string]collector.NoteSummary, error)
}

// IPCounter counts the signals that name an address.
type IPCounter interface {
	// SignalCountsByIP returns how many signals list each of ips among
	// their IPs (those no signal names are left out).
	SignalCountsByIP(ctx context.Context, ips []string) (map[string]int64, error)
}

// UserStore keeps the UI's users. A lookup of an unknown user fails with
// collector.ENotFound.
type UserStore interface {
	// UIUsers returns every user by login, without password hashes.
	UIUsers(ctx context.Context) ([]User, error)
	// UIUser returns the user with the id.
	UIUser(ctx context.Context, id string) (*User, error)
	// UIUserByLogin returns the user with the login.
	UIUserByLogin(ctx context.Context, login string) (*User, error)
	// PutUIUser stores a new user.
	PutUIUser(ctx context.Context, u *User) error
	// DeleteUIUser removes a user and its sessions.
	DeleteUIUser(ctx context.Context, id string) error
}

// SessionStore keeps the UI's sessions under the hashes of their tokens.
type SessionStore interface {
	// PutUISession stores a new session and removes those expired
	// before now.
	PutUISession(ctx context.Context, idHash string, s *collector.UISession, now time.Time) error
	// UISession returns a session, or fails with collector.ENotFound.
	UISession(ctx context.Context, idHash string) (*collector.UISession, error)
	// DeleteUISession removes a session, if it is there.
	DeleteUISession(ctx context.Context, idHash string) error
}

// AttemptStore counts login attempts where every replica sees them, so
// that three replicas do not give an attacker three budgets. The UI uses
// the Store's when it implements it (collector/sqlstore's does), else
// counts in memory.
type AttemptStore interface {
	// ReserveLoginAttempt counts an attempt under key at now unless key
	// has max attempts within window already; it returns the attempt's id
	// ("" when refused).
	ReserveLoginAttempt(ctx context.Context, key string, now time.Time, window time.Duration, max int) (string, error)
	// ReleaseLoginAttempt forgets an attempt that succeeded.
	ReleaseLoginAttempt(ctx context.Context, key, id string) error
}

// Overview is what the overview page shows about a time window.
type Overview = collector.Overview

// Count is one row of the overview's top lists.
type Count = collector.Count

// Service is a service of the overview's window.
type Service = collector.Service

// Login is one login attempt shown on an account-takeover signal.
type Login = collector.Login

// User is an account of the UI, created by an admin.
type User = collector.UIUser

// session is a logged-in browser.
type session = collector.UISession

// SampleLimit bounds the events of each type whose JSON the overview
// decodes.
const SampleLimit = collector.OverviewSampleLimit

// maxLoginRows bounds the login events read for one signal's timeline
// (the newest ones).
const maxLoginRows = 10_000

// ipCount is one attacker IP of a signal with its attempts and the
// services that reported them (sorted).
type ipCount struct {
	IP                  string
	Failures, Successes int
	Services            []string
}

// userCount is one targeted account of a signal.
type userCount struct {
	User                string
	Exists              *bool
	Failures, Successes int
	Services            []string
}

// addService adds s to the sorted set ss.
func addService(ss []string, s string) []string {
	i, found := slices.BinarySearch(ss, s)
	if found {
		return ss
	}
	return slices.Insert(ss, i, s)
}

// servicesOf returns the services that reported the logins, sorted.
func servicesOf(ls []Login) []string {
	var out []string
	for _, l := range ls {
		out = addService(out, l.Service)
	}
	return out
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
		ic.Services = addService(ic.Services, l.Service)
		uc.Services = addService(uc.Services, l.Service)
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
