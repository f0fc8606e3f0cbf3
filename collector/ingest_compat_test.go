package collector_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// TestDecodeBatchOldEnvelopes: the envelopes that producers wrote before
// event.Batch (the exporter's empty "service" and "env", the handoff's
// omitted ones, a null "dropped") are accepted as they were, and the
// fields of an envelope that does not decode are named as in the body.
func TestDecodeBatchOldEnvelopes(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := `{"type":"user.login.failure","time":"2025-03-01T11:59:00Z","usr":{"login":"a"}}`
	for name, body := range map[string]string{
		"exporter":      `{"batch_id":"b1","service":"","env":"","events":[` + ev + `]}`,
		"handoff":       `{"batch_id":"b1","events":[` + ev + `],"dropped":2}`,
		"null dropped":  `{"batch_id":"b1","service":"shop","events":[` + ev + `],"dropped":null}`,
		"keys any case": `{"BATCH_ID":"b1","Events":[` + ev + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			b, err := collector.DecodeBatch([]byte(body), collector.Limits{}, now)
			if err != nil {
				t.Fatal(err)
			}
			if b.ID != "b1" || len(b.Events) != 1 || string(b.Events[0].Raw) != ev {
				t.Errorf("DecodeBatch(%s) = %+v", body, b)
			}
		})
	}
	for body, field := range map[string]string{
		`{"batch_id":5,"events":[]}`:                   "batch_id",
		`{"batch_id":"a","service":["x"],"events":[]}`: "service",
		`{"batch_id":"a","env":{},"events":[]}`:        "env",
		`{"batch_id":"a","events":{}}`:                 "events",
		`{"batch_id":"a","events":[],"dropped":"x"}`:   "dropped",
	} {
		_, err := collector.DecodeBatch([]byte(body), collector.Limits{}, now)
		var e *collector.Error
		if !errors.As(err, &e) || e.Field != field {
			t.Errorf("DecodeBatch(%s) = %v, want an error naming %q", body, err, field)
		}
	}
}
