package event

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// plainBatch is Batch without its methods: what encoding/json makes of its
// struct tags.
type plainBatch Batch

func batchRows(t *testing.T) map[string]Batch {
	t.Helper()
	ev := &Event{Type: TypeAttack, Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Blocked: true,
		Request:  &Request{Method: "GET", URI: "/q?<script>&x=\u2028", ClientIP: "203.0.113.7"},
		Triggers: []Trigger{{RuleID: "r1", Address: "server.request.query", Value: "<script>"}}}
	full := Batch{ID: "0af3", Service: "shop<&>", Env: "prod\u00e9"}
	if err := full.Add(ev, &Event{Type: TypeLoginFailure, Usr: &User{Login: "a\"b"}}); err != nil {
		t.Fatal(err)
	}
	return map[string]Batch{
		"full":          full,
		"no events":     {ID: "b1", Events: nil, Dropped: 3},
		"empty events":  {ID: "b2", Events: []json.RawMessage{}, Dropped: 1},
		"negative drop": {ID: "b3", Service: "s", Events: full.Events[:1], Dropped: -5},
		"zero":          {},
		"invalid utf8":  {ID: "b4", Service: "\xff", Events: full.Events[1:]},
	}
}

// TestAppendJSONIsTheStructTags: AppendJSON writes what encoding/json
// writes for the struct tags (which DecodeBatch reads), byte for byte.
func TestAppendJSONIsTheStructTags(t *testing.T) {
	for name, b := range batchRows(t) {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(plainBatch(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := b.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("AppendJSON = %s\nwant         %s", got, want)
			}
			if got, _ := json.Marshal(b); !bytes.Equal(got, want) {
				t.Errorf("json.Marshal = %s\nwant          %s", got, want)
			}
			if name == "invalid utf8" {
				return // decoded as U+FFFD
			}
			back, err := DecodeBatch(b.AppendJSON([]byte("ignored")[:0]))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*back, b) {
				t.Errorf("DecodeBatch(AppendJSON(b)) = %+v, want %+v", *back, b)
			}
		})
	}
}

// TestOldEnvelopes: the envelopes the producers wrote by hand before Batch
// decode to the batch they meant; the ones that match its encoding are
// unchanged to the byte.
func TestOldEnvelopes(t *testing.T) {
	ev := json.RawMessage(`{"type":"attack","time":"2025-03-01T12:00:00Z","blocked":true}`)
	want := Batch{ID: "b1", Service: "shop", Events: []json.RawMessage{ev}}
	for name, tt := range map[string]struct {
		body string
		same bool // AppendJSON writes this body
	}{
		"exporter":          {`{"batch_id":"b1","service":"shop","env":"","events":[` + string(ev) + `]}`, false},
		"handoff":           {`{"batch_id":"b1","service":"shop","events":[` + string(ev) + `]}`, true},
		"spaced":            {` { "batch_id" : "b1" , "service":"shop", "events" : [ ` + string(ev) + ` ] , "dropped" : null } `, false},
		"keys in any case":  {`{"Batch_ID":"b1","SERVICE":"shop","Events":[` + string(ev) + `]}`, false},
		"dropped and empty": {`{"batch_id":"b1","service":"shop","env":"","events":[` + string(ev) + `],"dropped":0}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := DecodeBatch([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(b.ID, want.ID) || b.Service != want.Service || b.Env != "" || len(b.Events) != 1 || !bytes.Equal(bytes.TrimSpace(b.Events[0]), ev) || b.Dropped != 0 {
				t.Errorf("DecodeBatch(%s) = %+v, want %+v", tt.body, b, want)
			}
			if got := want.AppendJSON(nil); tt.same && string(got) != tt.body {
				t.Errorf("AppendJSON = %s, the producer wrote %s", got, tt.body)
			}
		})
	}
}

// TestMarshalJSONCompacts: json.Marshal of a batch compacts and escapes
// events that were not written by json.Marshal, as it did before Batch.
func TestMarshalJSONCompacts(t *testing.T) {
	b := Batch{ID: "x", Events: []json.RawMessage{json.RawMessage(`{ "type" : "attack", "v": "<b>" }`)}}
	got, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"batch_id":"x","events":[{"type":"attack","v":"\u003cb\u003e"}]}`; string(got) != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	if _, err := json.Marshal(Batch{ID: "x", Events: []json.RawMessage{json.RawMessage(`{"a":`)}}); err == nil {
		t.Error("json.Marshal took an event that is not JSON")
	}
}

func TestAddFails(t *testing.T) {
	var b Batch
	if err := b.Add(&Event{Type: TypeCustom, Metadata: map[string]any{"f": func() {}}}); err == nil {
		t.Fatal("Add encoded a function")
	}
	if len(b.Events) != 0 {
		t.Errorf("Add kept %d events after failing", len(b.Events))
	}
}
