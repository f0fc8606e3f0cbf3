package extension

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/event"
)

// FuzzHandoff posts arbitrary bodies to the extension's POST /v1/events:
// the answer is 202 or a 4xx, never a fault; an accepted batch queues at
// most its own events, each a JSON object, and the queue stays within
// MaxPending.
func FuzzHandoff(f *testing.F) {
	f.Add(`{"batch_id":"b1","service":"orders","events":[{"type":"attack","blocked":true}],"dropped":2}`)
	f.Add(`{"batch_id":"","events":[]}`)
	f.Add(`{"events":[{"type":"user.login.failure","usr":{"login":"a"}},{}],"dropped":-5}`)
	f.Add(`{"events":null,"dropped":1}`)
	f.Add(`{"batch_id":"x","events":[1,"a",null]}`)
	f.Add(`[{"type":"attack"}]`)
	f.Fuzz(func(t *testing.T, body string) {
		fw := &Forwarder{Logger: quiet()}
		h := Handler(fw, &DecisionCache{})
		for post := 1; post <= 2; post++ { // the second post is a retry of the same batch
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body)))
			switch {
			case rec.Code == http.StatusAccepted:
				var b event.Batch
				if err := json.Unmarshal([]byte(body), &b); err != nil {
					t.Fatalf("accepted a body that does not decode: %v", err)
				}
				st := fw.Stats()
				copies := int64(post) // a batch without an id cannot be told from a new one
				if b.ID != "" {
					copies = 1
				}
				if st.Pending > copies*int64(len(b.Events)) || st.Pending > MaxPending {
					t.Fatalf("%d pending after %d posts of a batch of %d events (id %q)", st.Pending, post, len(b.Events), b.ID)
				}
				fw.mu.Lock()
				for _, q := range fw.queue {
					for _, e := range q.Events {
						var m map[string]any
						if json.Unmarshal(e, &m) != nil {
							t.Fatalf("queued a non-object event %s", e)
						}
					}
				}
				fw.mu.Unlock()
			case rec.Code/100 == 4:
			default:
				t.Fatalf("status %d", rec.Code)
			}
		}
	})
}
