package rampart

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// TestBodyParseWithinBudget: an XML body whose parse would take many
// times the budget stops at the budget's end; the request is reported
// timed out with the rules that did not run, never silently passed.
func TestBodyParseWithinBudget(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := New(Config{Enabled: true, Mode: ModeBlock, Timeout: time.Millisecond, Exporter: rec, BodyLimit: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("<orders>")
	for b.Len() < 4<<20 {
		b.WriteString(`<order id="1" state="new"><item sku="a-1">A plain item</item><qty>2</qty></order>`)
	}
	b.WriteString("</orders>")
	in := &httpinput.Request{Method: "POST", URI: "/orders", RemoteAddr: "203.0.113.7:4000",
		Headers: [][2]string{{"Content-Type", "application/xml"}}, Body: []byte(b.String())}
	r := serve(a, in)
	if !r.TimedOut() {
		t.Fatal("a 4 MiB XML parse fit in 1 ms")
	}
	evs := rec.Events()
	if len(evs) != 1 || !evs[0].TimedOut || evs[0].NotRunCount == 0 {
		t.Fatalf("events %+v, want one timed-out event listing the rules not run", evs)
	}
}
