package postgres_test

import (
	"context"
	"database/sql"
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
