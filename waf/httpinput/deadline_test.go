package httpinput

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func xmlDoc(size int) []byte {
	var b strings.Builder
	b.WriteString("<root>")
	for b.Len() < size {
		b.WriteString(`<item id="1" name="x"><title>Some title text</title><v>12</v></item>`)
	}
	b.WriteString("<last>&lt;script&gt;</last></root>")
	return []byte(b.String())
}

// TestXMLStopsAtTheDeadline: an XML body's parse stops at its deadline
// with what it read so far, and runs to the end without one.
func TestXMLStopsAtTheDeadline(t *testing.T) {
	doc := xmlDoc(1 << 20)
	o := &Options{BodyLimit: 2 << 20}
	v, _, err := BodyUntil("application/xml", doc, o, time.Now())
	if !errors.Is(err, ErrDeadline) {
		t.Fatalf("past deadline: err %v", err)
	}
	if v.Len() == 0 {
		t.Error("nothing kept of what was read")
	}
	v, _, err = BodyUntil("application/xml", doc, o, time.Time{})
	if errors.Is(err, ErrDeadline) || v.Len() == 0 {
		t.Fatalf("no deadline: %v", err)
	}
	// JSON is not cut by the deadline: it is linear and bounded by size.
	if _, _, err := BodyUntil("application/json", []byte(`{"a":"b"}`), o, time.Now()); err != nil {
		t.Errorf("json: %v", err)
	}
}

// BenchmarkBodyXML1MiB: the cost of a 1 MiB XML body, whole and within a
// 2 ms budget.
func BenchmarkBodyXML1MiB(b *testing.B) {
	doc := xmlDoc(1 << 20)
	o := &Options{BodyLimit: 2 << 20}
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			BodyUntil("application/xml", doc, o, time.Time{})
		}
	})
	b.Run("budget-2ms", func(b *testing.B) {
		for b.Loop() {
			BodyUntil("application/xml", doc, o, time.Now().Add(2*time.Millisecond))
		}
	})
}
