package event

import (
	"encoding/json"
	"slices"
	"strconv"
)

// Batch is the envelope that carries events from a producer to the
// collector: the JSON body of the collector's POST /v1/events, which the
// library's exporter (package report) sends, a Lambda function hands to
// the rampart extension, and the extension forwards.
//
//	{"batch_id":"…","service":"…","env":"…","events":[…],"dropped":3}
//
// Service and Env are left out when empty, Dropped when zero. The
// collector also accepts them present and empty, and Dropped as null.
type Batch struct {
	// ID identifies the batch across retries: the collector stores a
	// batch once, whatever the number of times it is sent.
	ID string `json:"batch_id"`
	// Service and Env label the events that have none of their own.
	Service string `json:"service,omitempty"`
	Env     string `json:"env,omitempty"`
	// Events are the events' JSON encodings, one object each. Add
	// appends one.
	Events []json.RawMessage `json:"events"`
	// Dropped is the number of events the sender dropped since its
	// previous batch (a full queue, an unreachable collector): how drops
	// are reported. A batch may carry drops and no events.
	Dropped int64 `json:"dropped,omitempty"`
}

// Add encodes each event and appends it to b.Events.
func (b *Batch) Add(events ...*Event) error {
	for _, e := range events {
		j, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Events = append(b.Events, j)
	}
	return nil
}

// AppendJSON appends the JSON encoding of b to dst. The events are written
// as they are: Add encodes them compactly, as json.Marshal does.
func (b *Batch) AppendJSON(dst []byte) []byte {
	n := 80 + len(b.ID) + len(b.Service) + len(b.Env) + len(b.Events)
	for _, e := range b.Events {
		n += len(e)
	}
	dst = slices.Grow(dst, n) // once, for the events' bytes
	dst = append(dst, `{"batch_id":`...)
	dst = appendString(dst, b.ID)
	if b.Service != "" {
		dst = append(dst, `,"service":`...)
		dst = appendString(dst, b.Service)
	}
	if b.Env != "" {
		dst = append(dst, `,"env":`...)
		dst = appendString(dst, b.Env)
	}
	dst = append(dst, `,"events":`...)
	if b.Events == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, e := range b.Events {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, e...)
		}
		dst = append(dst, ']')
	}
	if b.Dropped != 0 {
		dst = append(dst, `,"dropped":`...)
		dst = strconv.AppendInt(dst, b.Dropped, 10)
	}
	return append(dst, '}')
}

// MarshalJSON is AppendJSON, for encoding/json, which then compacts the
// events (and escapes HTML in them) as it does the output of any
// Marshaler.
func (b Batch) MarshalJSON() ([]byte, error) { return b.AppendJSON(nil), nil }

// appendString appends s as a JSON string, as encoding/json writes it.
func appendString(dst []byte, s string) []byte {
	j, _ := json.Marshal(s) // a string always encodes
	return append(dst, j...)
}

// DecodeBatch decodes a batch with encoding/json's rules (a key matches
// its field whatever its case, a repeated key keeps its last value, data
// after the object is an error), keeping each event as its JSON. It does
// not check the batch: the collector validates what it ingests.
func DecodeBatch(data []byte) (*Batch, error) {
	b := new(Batch)
	if err := json.Unmarshal(data, b); err != nil {
		return nil, err
	}
	return b, nil
}
