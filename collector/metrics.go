package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// readyTimeout bounds the store check of GET /readyz and GET /metrics.
const readyTimeout = 2 * time.Second

// checkStore runs a read on the store within readyTimeout and returns how
// long it took.
func (s *Server) checkStore(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	start := time.Now()
	_, err := s.store.Drops(ctx)
	return time.Since(start), err
}

// handleReady is GET /readyz: 200 when the store answers a read within
// readyTimeout, else 503 (for a load balancer's health check: a replica
// whose database is away takes no traffic). Unlike /healthz, which says
// the process serves, it says the replica can store.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	d, err := s.checkStore(r.Context())
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	switch {
	case closed:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "closing"})
	case err != nil:
		s.log.Warn("collector: not ready: the store", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "store_ms": float64(d.Microseconds()) / 1000})
	}
	return nil
}

// handleMetrics is GET /metrics (admin): the server's counters in the
// Prometheus text exposition format, with the ingest and detection queue
// depths, the latency of one store read made for the scrape, and the
// latency histograms of every store operation since the start.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r, KeyAdmin); err != nil {
		return err
	}
	d, err := s.checkStore(r.Context())
	up := 1
	if err != nil {
		up = 0
	}
	st := &s.stats
	var b strings.Builder
	metric := func(name, typ, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	metric("rampart_collector_batches_total", "counter", "Batches stored.", st.Batches.Load())
	metric("rampart_collector_events_total", "counter", "Events stored.", st.Events.Load())
	metric("rampart_collector_duplicate_batches_total", "counter", "Retried batches answered without storing.", st.Duplicates.Load())
	metric("rampart_collector_rejected_total", "counter", "Ingest requests answered with an error.", st.Rejected.Load())
	metric("rampart_collector_commits_total", "counter", "Store transactions (group commits).", st.Commits.Load())
	metric("rampart_collector_detections_total", "counter", "Detections recorded from the account-takeover detectors.", st.Detections.Load())
	metric("rampart_collector_detection_errors_total", "counter", "Detector or store errors on detections.", st.DetectErrs.Load())
	metric("rampart_collector_refused_decisions_total", "counter", "Detector decisions refused (protected address, allow list, cap).", st.Refused.Load())
	metric("rampart_collector_sender_dropped_events_total", "counter", "Events the stored batches report their senders dropped.", st.Dropped.Load())
	metric("rampart_collector_timed_out_events_total", "counter", "Stored events of requests that ran out of the WAF's time budget.", st.TimedOut.Load())
	metric("rampart_collector_ingest_in_flight", "gauge", "Ingest requests in progress.", st.InFlight.Load())
	metric("rampart_collector_commit_queue_depth", "gauge", "Batches waiting for a group commit.", len(s.queue))
	metric("rampart_collector_detect_queue_depth", "gauge", "Stored batches waiting for in-process detection (0 when detection reads the store's queue).", len(s.detect))
	metric("rampart_collector_store_up", "gauge", "1 when the store answered the scrape's read.", up)
	metric("rampart_collector_store_read_seconds", "gauge", "Latency of the scrape's store read.", d.Seconds())
	s.latency.write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
	return nil
}
