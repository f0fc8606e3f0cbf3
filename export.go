package rampart

import (
	"context"
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

// Flusher is implemented by exporters that buffer events (the collector
// exporter of package report). Flush delivers what is buffered, or gives up
// when ctx is done.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Flush delivers the events buffered by the agent's exporter, within ctx.
// A Lambda handler calls it before returning, since the execution
// environment freezes afterwards. It is a no-op for exporters that do not
// buffer and for a nil agent.
func (a *Agent) Flush(ctx context.Context) error {
	if a == nil {
		return nil
	}
	if f, ok := a.exporter.(Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}
