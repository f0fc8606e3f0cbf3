package rampart

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/rampartsec/rampart/event"
)

// Exporter receives rampart's events. Export is called on the request path:
// it must not block (queue and return).
type Exporter interface {
	Export(e *event.Event)
}

// JSONExporter writes each event as one JSON line. It is the default
// exporter, writing to stderr.
type JSONExporter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewJSONExporter returns an exporter writing JSON lines to w.
func NewJSONExporter(w io.Writer) *JSONExporter {
	return &JSONExporter{enc: json.NewEncoder(w)}
}

// Export writes e as one line.
func (x *JSONExporter) Export(e *event.Event) {
	x.mu.Lock()
	_ = x.enc.Encode(e)
	x.mu.Unlock()
}

// ExporterFunc adapts a function to Exporter.
type ExporterFunc func(*event.Event)

// Export calls f(e).
func (f ExporterFunc) Export(e *event.Event) { f(e) }
