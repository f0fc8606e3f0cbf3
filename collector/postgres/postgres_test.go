package postgres_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/storetest"
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
