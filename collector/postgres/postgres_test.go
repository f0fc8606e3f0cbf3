package postgres_test

import (
	"context"
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
