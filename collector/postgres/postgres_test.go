package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/sqlstore"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) collector.Store {
		url := storetest.PostgresSchema(t)
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestUIStore(t *testing.T) {
	storetest.RunUI(t, func(t *testing.T) storetest.UIStore {
		s, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// A database of migration 3 whose UI created its own tables opens.
func TestUpgradeFromV3(t *testing.T) {
	url := storetest.PostgresSchema(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeFromV3(t, db, func(t *testing.T) storetest.UIStore {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReplicasStartTogether: replicas opening a fresh schema at once all
// start (the migrations run under an advisory lock: without it, two of
// three died on "duplicate key value violates unique constraint
// pg_type_typname_nsp_index"), and of their first-start admin tokens
// exactly one is created.
func TestReplicasStartTogether(t *testing.T) {
	url := storetest.PostgresSchema(t)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	tokens := make([]string, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			srv, err := collector.NewServer(context.Background(), collector.Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				errs[i] = err
				return
			}
			defer srv.Close(context.Background())
			tokens[i], errs[i] = srv.Bootstrap(context.Background(), "", []string{"rk_ingest_seeded"})
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
		}
		if tokens[i] != "" {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d replicas printed a first-start admin token, want 1", created)
	}
}

// TestReplicasIngestWithoutDeadlocks: replicas (each its own store and
// connection pool) appending batches that touch the same signals in
// different orders all succeed, every event counted once. Signals used to
// be upserted in first-seen order: PostgreSQL then reported "deadlock
// detected" and the ingest requests failed.
func TestReplicasIngestWithoutDeadlocks(t *testing.T) {
	url := storetest.PostgresSchema(t)
	const replicas, batches, rules = 4, 25, 8
	stores := make([]*sqlstore.Store, replicas)
	for i := range stores {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, replicas*batches)
	for r, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for b := range batches {
				// One event per rule, in an order of this batch's own, and
				// the same client addresses in every signal.
				var evs []*event.Event
				for _, k := range rng.Perm(rules) {
					evs = append(evs, storetest.Attack(fmt.Sprint("rp-", k), fmt.Sprintf("203.0.113.%d", rng.IntN(5)), b))
				}
				bt := storetest.MakeBatch(t, fmt.Sprintf("r%d-b%d", r, b), evs...)
				if _, err := s.Append(context.Background(), []*collector.Batch{bt}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	page, err := stores[0].Signals(context.Background(), collector.SignalQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sg := range page.Signals {
		total += sg.Count
	}
	if len(page.Signals) < rules || total != replicas*batches*rules {
		t.Errorf("%d signals counting %d events, want %d events", len(page.Signals), total, replicas*batches*rules)
	}
	var retries int64
	for _, s := range stores {
		retries += s.WriteRetries()
	}
	t.Logf("write transactions run again: %d", retries)
}

// replica is a collector server on its own store and pool, over a shared
// schema, with a clock that never moves: its caches never expire by time,
// so only a pushed change can make it see another replica's writes.
type replica struct {
	store *sqlstore.Store
	srv   *collector.Server
	http  *httptest.Server
}

func newReplica(t *testing.T, url string) *replica {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	srv, err := collector.NewServer(context.Background(), collector.Config{Store: s, Now: func() time.Time { return frozen },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Bootstrap(context.Background(), "rk_admin_test", []string{"rk_ingest_test"}); err != nil {
		t.Fatal(err)
	}
	r := &replica{store: s, srv: srv, http: httptest.NewServer(srv.Handler())}
	t.Cleanup(func() { r.http.Close(); srv.Close(context.Background()); s.Close() })
	return r
}

func (r *replica) get(t *testing.T, path, token string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", r.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestChangesReachEveryReplica: a key revoked on one replica stops working
// on the others at once, and a decision made through the store (as the UI
// and the detectors make them) wakes the long-polls of every replica.
// Before, a revocation took up to the key cache's 10 s to reach the other
// replicas, and decisions made outside the API woke nobody.
func TestChangesReachEveryReplica(t *testing.T) {
	url := storetest.PostgresSchema(t)
	a, b := newReplica(t, url), newReplica(t, url)

	if resp, _ := b.get(t, "/v1/decisions", "rk_ingest_test"); resp.StatusCode != 200 {
		t.Fatalf("the ingest key on b: %d", resp.StatusCode)
	}
	ks, _ := a.store.Keys(context.Background())
	for _, k := range ks {
		if k.Kind == collector.KeyIngest {
			if err := a.store.RevokeKey(context.Background(), k.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ := b.get(t, "/v1/decisions", "rk_ingest_test")
		if resp.StatusCode == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the key revoked on a still works on b: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}

	resp, _ := b.get(t, "/v1/decisions", "rk_admin_test")
	etag := resp.Header.Get("ETag")
	type answer struct {
		status int
		body   string
		took   time.Duration
	}
	got := make(chan answer, 1)
	go func() {
		start := time.Now()
		resp, body := b.get(t, "/v1/decisions?wait=60s", "rk_admin_test", "If-None-Match", etag)
		got <- answer{resp.StatusCode, string(body), time.Since(start)}
	}()
	time.Sleep(200 * time.Millisecond) // the long-poll is waiting
	if _, err := a.store.PutDecision(context.Background(), &collector.Decision{Kind: collector.BlockIP, Value: "198.51.100.7",
		ExpiresAt: time.Now().Add(time.Hour), Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	select {
	case ans := <-got:
		if ans.status != 200 || !strings.Contains(ans.body, "198.51.100.7") {
			t.Fatalf("long-poll on b: %d %s", ans.status, ans.body)
		}
		t.Logf("b's long-poll answered %v after the decision", ans.took-200*time.Millisecond)
	case <-time.After(10 * time.Second): // the fallback read is at 15 s
		t.Fatal("a decision made through a's store did not wake b's long-poll")
	}
}

// TestOneReplicaDetects: of replicas on one schema, one claims queued
// batches for detection at a time (the detectors then see the events in
// the order received, as on one replica); when it goes, another takes over.
func TestOneReplicaDetects(t *testing.T) {
	url := storetest.PostgresSchema(t)
	a, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range 4 {
		bt := storetest.MakeBatch(t, fmt.Sprint("q-", i), storetest.Login("alice", "198.51.100.4", i))
		bt.Detect = true
		if _, err := a.Append(context.Background(), []*collector.Batch{bt}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	got, err := a.ClaimDetect(context.Background(), now, time.Minute, 2)
	if err != nil || len(got) != 2 {
		t.Fatalf("the first replica claims: %d %v", len(got), err)
	}
	if other, err := b.ClaimDetect(context.Background(), now, time.Minute, 10); err != nil || len(other) != 0 {
		t.Fatalf("a second replica claimed %d batches while the first detects (%v)", len(other), err)
	}
	a.Close() // the first replica goes; its claims run out
	later, err := b.ClaimDetect(context.Background(), now.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(later) != 4 {
		t.Fatalf("the second replica after the first: %d %v", len(later), err)
	}
}
