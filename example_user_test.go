package rampart_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/waf"
)

// printEvents is an exporter printing the user events the examples send.
var printEvents = rampart.ExporterFunc(func(e *event.Event) {
	if !event.IsUserEvent(e.Type) {
		return
	}
	fmt.Printf("event %s ip=%s", e.Type, e.IP)
	if e.Usr != nil {
		fmt.Printf(" id=%q login=%q", e.Usr.ID, e.Usr.Login)
		if e.Usr.Exists != nil {
			fmt.Printf(" exists=%v", *e.Usr.Exists)
		}
	}
	if e.Name != "" {
		fmt.Printf(" name=%s", e.Name)
	}
	if e.SessionID != "" {
		fmt.Printf(" session=%s", e.SessionID)
	}
	if e.Blocked {
		fmt.Print(" blocked")
	}
	fmt.Println()
})

func exampleAgent() *rampart.Agent {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Service: "shop",
		Timeout: time.Second, Logger: quiet(), Exporter: printEvents})
	if err != nil {
		panic(err)
	}
	return a
}

// login sends one POST /login from 203.0.113.7 through the middleware.
func login(a *rampart.Agent, h http.HandlerFunc) int {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/login", strings.NewReader(`{}`))
	r.RemoteAddr = "203.0.113.7:40000"
	httpguard.New(a, h).ServeHTTP(w, r)
	return w.Code
}

// A failed login reports the login typed and whether the account exists;
// the client IP comes from the request.
func ExampleTrackLoginFailure() {
	a := exampleAgent()
	login(a, func(w http.ResponseWriter, r *http.Request) {
		err := rampart.TrackLoginFailure(r.Context(), "nobody@example.com", false)
		fmt.Println("action:", rampart.ActionOf(err))
		http.Error(w, "wrong login or password", http.StatusUnauthorized)
	})
	// Output:
	// event user.login.failure ip=203.0.113.7 id="" login="nobody@example.com" exists=false
	// action: allow
}

// A successful login reports the user id, with the login typed; a user
// blocked by the collector's decisions (here put in the block list by
// hand) is refused within the same request.
func ExampleTrackLoginSuccess() {
	a := exampleAgent()
	a.Engine().UpdateData("blocked_users", []waf.DataEntry{{Value: "u-666"}})
	for _, id := range []string{"u-42", "u-666"} {
		code := login(a, func(w http.ResponseWriter, r *http.Request) {
			err := rampart.TrackLoginSuccess(r.Context(), id, rampart.WithLogin("user-"+id))
			if rampart.ActionOf(err) == rampart.ActionBlock {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			fmt.Fprintln(w, "welcome")
		})
		fmt.Println(id, "->", code)
	}
	// Output:
	// event user.login.success ip=203.0.113.7 id="u-42" login="user-u-42"
	// u-42 -> 200
	// event user.login.success ip=203.0.113.7 id="u-666" login="user-u-666" blocked
	// u-666 -> 403
}

// ActionOf tells a challenge from a block: here the collector (a stand-in
// on loopback) asks for step-up authentication of one user, and the login
// handler asks for the second factor before opening the session.
func ExampleActionOf() {
	body, _ := json.Marshal(map[string]any{"version": 1, "decisions": []map[string]any{
		{"id": "1", "kind": "challenge_user", "value": "u-7", "expires_at": time.Now().Add(time.Hour)},
	}})
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer collector.Close()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Endpoint: collector.URL,
		Timeout: time.Second, Logger: quiet(), Exporter: rampart.ExporterFunc(func(*event.Event) {})})
	if err != nil {
		panic(err)
	}
	defer a.Close(context.Background())
	a.Decisions().Poll(context.Background())

	for _, id := range []string{"u-1", "u-7"} {
		login(a, func(w http.ResponseWriter, r *http.Request) {
			err := rampart.TrackLoginSuccess(r.Context(), id)
			switch rampart.ActionOf(err) {
			case rampart.ActionBlock:
				fmt.Println(id, "blocked")
			case rampart.ActionChallenge:
				fmt.Println(id, "asked for the second factor:", err)
			default:
				fmt.Println(id, "logged in")
			}
		})
	}
	// Output:
	// u-1 logged in
	// u-7 asked for the second factor: rampart: step-up authentication required for user u-7
}

// A signup reports the new account.
func ExampleTrackSignup() {
	a := exampleAgent()
	login(a, func(w http.ResponseWriter, r *http.Request) {
		rampart.TrackSignup(r.Context(), "u-100", rampart.WithLogin("new@example.com"))
	})
	// Output:
	// event user.signup ip=203.0.113.7 id="u-100" login="new@example.com"
}

// A new session is reported with its id hashed: a session id is a
// credential.
func ExampleTrackSessionCreate() {
	a := exampleAgent()
	login(a, func(w http.ResponseWriter, r *http.Request) {
		rampart.TrackSessionCreate(r.Context(), "session-token-1", "u-42")
	})
	// Output:
	// event session.create ip=203.0.113.7 id="u-42" login="" session=sha256:39662660fc60f6da
}

// A custom event carries its name and metadata; outside a request (a queue
// consumer) the agent and the client IP are given as options.
func ExampleTrackEvent() {
	a := exampleAgent()
	rampart.TrackEvent(context.Background(), "password_reset", map[string]any{"via": "email"},
		rampart.WithAgent(a), rampart.WithClientIP("198.51.100.4"))
	// Output:
	// event custom ip=198.51.100.4 name=password_reset
}

// SetUser names the user of an authenticated request: a blocked user is
// refused, and no event is sent.
func ExampleSetUser() {
	a := exampleAgent()
	a.Engine().UpdateData("blocked_users", []waf.DataEntry{{Value: "u-666"}})
	login(a, func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(rampart.SetUser(r.Context(), rampart.User{ID: "u-42"}))
		fmt.Println(rampart.SetUser(r.Context(), rampart.User{ID: "u-666"}))
	})
	// Output:
	// <nil>
	// rampart: blocked by rule rp-block-user
}
