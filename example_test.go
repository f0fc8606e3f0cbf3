package rampart_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
)

// Enable installs an Agent for the guards; here in block mode, with events
// printed by a custom exporter.
func ExampleEnable() {
	agent, err := rampart.New(rampart.Config{
		Enabled: true,
		Mode:    rampart.ModeBlock,
		Timeout: time.Second, // generous: the example also runs under the race detector
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exporter: rampart.ExporterFunc(func(e *event.Event) {
			fmt.Println("attack:", e.Triggers[0].Category, "blocked:", e.Blocked)
		}),
	})
	if err != nil {
		panic(err)
	}
	rampart.Enable(agent)
	defer rampart.Enable(nil)

	h := httpguard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	for _, target := range []string{"/?name=world", "/?name=%3Cscript%3Ealert(1)%3C/script%3E"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		fmt.Println(target, "->", w.Code)
	}
	// Output:
	// /?name=world -> 200
	// attack: xss blocked: true
	// /?name=%3Cscript%3Ealert(1)%3C/script%3E -> 403
}
