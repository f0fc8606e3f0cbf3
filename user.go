package rampart

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/redact"
	"github.com/rampartsec/rampart/waf"
)

// Action is what a user-event call asks the application to do.
type Action int

// The actions.
const (
	// ActionAllow: go on.
	ActionAllow Action = iota
	// ActionBlock: refuse (the error wraps ErrBlocked).
	ActionBlock
	// ActionChallenge: require step-up authentication (a second factor,
	// a CAPTCHA) before going on (the error wraps ErrChallenge).
	ActionChallenge
)

// String returns "allow", "block" or "challenge".
func (a Action) String() string {
	switch a {
	case ActionBlock:
		return "block"
	case ActionChallenge:
		return "challenge"
	}
	return "allow"
}

// ActionOf returns the action an error of the user-event calls asks for:
// ActionBlock for an error wrapping ErrBlocked, ActionChallenge for one
// wrapping ErrChallenge, ActionAllow otherwise (nil included).
func ActionOf(err error) Action {
	switch {
	case err == nil:
		return ActionAllow
	case errors.Is(err, ErrBlocked):
		return ActionBlock
	case errors.Is(err, ErrChallenge):
		return ActionChallenge
	}
	return ActionAllow
}

// ErrChallenge is wrapped by the error a user-event call returns when the
// collector's decisions require step-up authentication for the user or
// the client IP.
var ErrChallenge = errors.New("rampart: step-up authentication required")

// ChallengeError reports a challenge decision in force. It wraps
// ErrChallenge.
type ChallengeError struct {
	// Kind is "user" (a challenge_user decision) or "ip" (challenge_ip).
	Kind string
	// Value is the user id, login or client IP the decision named.
	Value string
}

// Error describes the challenge.
func (e *ChallengeError) Error() string {
	return "rampart: step-up authentication required for " + e.Kind + " " + e.Value
}

// Unwrap returns ErrChallenge.
func (e *ChallengeError) Unwrap() error { return ErrChallenge }

// Action returns ActionChallenge.
func (e *ChallengeError) Action() Action { return ActionChallenge }

// User names the user of an authenticated request, for SetUser.
type User struct {
	ID        string
	Login     string
	SessionID string
}

// UserOption adds what a user-event call knows beyond its arguments.
type UserOption func(*userCall)

// WithLogin gives the login (user name or e-mail) the user typed. Pass it
// with successes too: the collector groups attempts by login, so a success
// meets the failures before it.
func WithLogin(login string) UserOption { return func(c *userCall) { c.login = login } }

// WithUserID gives the user id of a failed login on an account that
// exists.
func WithUserID(id string) UserOption { return func(c *userCall) { c.id = id } }

// WithSessionID gives the session the event belongs to.
func WithSessionID(id string) UserOption { return func(c *userCall) { c.session = id } }

// WithMetadata adds application fields to the event (values under
// sensitive keys such as "password" or "token" are redacted; at most
// MaxUserMetadata fields are kept). The map is copied.
func WithMetadata(md map[string]any) UserOption { return func(c *userCall) { c.md = md } }

// WithClientIP gives the client IP when ctx carries no request (a Lambda
// handler for a non-HTTP event, a queue consumer).
func WithClientIP(ip string) UserOption { return func(c *userCall) { c.ip = ip } }

// WithUserAgent gives the user agent when ctx carries no request.
func WithUserAgent(ua string) UserOption { return func(c *userCall) { c.ua = ua } }

// WithAgent uses a, rather than the process-wide agent, when ctx carries
// no request.
func WithAgent(a *Agent) UserOption { return func(c *userCall) { c.agent = a } }

// MaxUserMetadata bounds the metadata fields of a user event: enough for
// an application's context (method, MFA used, tenant), small enough for a
// bounded event.
const MaxUserMetadata = 32

// maxUserField bounds logins, ids and other strings of a user event.
const maxUserField = 512

// userCall is one user-event call being built.
type userCall struct {
	typ, name              string
	id, login, session, ip string
	ua                     string
	exists                 *bool
	md                     map[string]any
	agent                  *Agent
	emit                   bool
}

// TrackLoginSuccess reports a successful login of userID.
func TrackLoginSuccess(ctx context.Context, userID string, opts ...UserOption) error {
	if disabled(ctx, opts) {
		return nil
	}
	c := userCall{typ: event.TypeLoginSuccess, id: userID, emit: true}
	return c.run(ctx, opts)
}

// TrackLoginFailure reports a failed login with login, and whether an
// account with that login exists.
func TrackLoginFailure(ctx context.Context, login string, exists bool, opts ...UserOption) error {
	if disabled(ctx, opts) {
		return nil
	}
	return trackLoginFailure(ctx, login, exists, opts)
}

// trackLoginFailure is TrackLoginFailure past the disabled check: exists
// escapes here, not on the disabled path.
func trackLoginFailure(ctx context.Context, login string, exists bool, opts []UserOption) error {
	c := userCall{typ: event.TypeLoginFailure, login: login, exists: &exists, emit: true}
	return c.run(ctx, opts)
}

// TrackSignup reports the creation of the account userID.
func TrackSignup(ctx context.Context, userID string, opts ...UserOption) error {
	if disabled(ctx, opts) {
		return nil
	}
	c := userCall{typ: event.TypeSignup, id: userID, emit: true}
	return c.run(ctx, opts)
}

// TrackSessionCreate reports a new session of userID.
func TrackSessionCreate(ctx context.Context, sessionID, userID string, opts ...UserOption) error {
	if disabled(ctx, opts) {
		return nil
	}
	c := userCall{typ: event.TypeSessionCreate, id: userID, session: sessionID, emit: true}
	return c.run(ctx, opts)
}

// TrackEvent reports a custom business event (a password reset, a payment)
// with its metadata.
func TrackEvent(ctx context.Context, name string, metadata map[string]any, opts ...UserOption) error {
	if disabled(ctx, opts) {
		return nil
	}
	c := userCall{typ: event.TypeCustom, name: name, md: metadata, emit: true}
	return c.run(ctx, opts)
}

// SetUser names the user of an authenticated request: the WAF runs over
// the user's id, login and session (a blocked user is refused), and the
// challenge decisions apply. It sends no event.
func SetUser(ctx context.Context, u User) error {
	if disabled(ctx, nil) {
		return nil
	}
	c := userCall{id: u.ID, login: u.Login, session: u.SessionID}
	return c.run(ctx, nil)
}

// disabled reports, without allocating, that a call has no agent to
// report to: no request on ctx, no options (WithAgent among them) and no
// process-wide agent.
func disabled(ctx context.Context, opts []UserOption) bool {
	return len(opts) == 0 && FromContext(ctx) == nil && Default() == nil
}

// lambdaFunction is the Lambda function's name, empty elsewhere.
var lambdaFunction = sync.OnceValue(func() string { return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") })

func (c *userCall) run(ctx context.Context, opts []UserOption) (err error) {
	for _, o := range opts {
		o(c)
	}
	r := FromContext(ctx)
	a := c.agent
	if r != nil {
		a = r.agent
	}
	if a == nil {
		if c.agent == nil {
			a = Default()
		}
		if a == nil {
			return nil
		}
	}
	defer a.Recover()
	addrs := c.addresses()
	var blocked *waf.Action
	if r != nil {
		blocked = r.userRun(c, addrs)
	} else {
		blocked = a.userRun(c, addrs)
	}
	block := a.cfg.Mode == ModeBlock
	if blocked != nil && block {
		err = &BlockedError{RuleID: blocked.RuleID, Action: blocked}
	} else if block {
		err = c.challenge(a)
	}
	if c.emit {
		a.exporter.Export(c.event(a, blocked != nil && block))
	}
	return err
}

// addresses are the WAF addresses of the user the call names.
func (c *userCall) addresses() []waf.Address {
	addrs := make([]waf.Address, 0, 4)
	if c.id != "" {
		addrs = append(addrs, waf.Address{Name: waf.AddrUserID, Value: waf.String(c.id)})
	}
	if c.login != "" {
		addrs = append(addrs, waf.Address{Name: waf.AddrUserLogin, Value: waf.String(c.login)})
	}
	if c.session != "" {
		addrs = append(addrs, waf.Address{Name: waf.AddrSessionID, Value: waf.String(c.session)})
	}
	return addrs
}

// challenge asks the agent for challenge decisions on the user (by id,
// then by login, as typed and case folded: the collector names the login
// when it did not know the id) and the client IP.
func (c *userCall) challenge(a *Agent) error {
	switch {
	case c.id != "" && a.Challenged("", c.id):
		return &ChallengeError{Kind: "user", Value: c.id}
	case c.login != "" && a.Challenged("", c.login):
		return &ChallengeError{Kind: "user", Value: c.login}
	case c.login != "" && a.Challenged("", foldLogin(c.login)):
		return &ChallengeError{Kind: "user", Value: foldLogin(c.login)}
	case c.ip != "" && a.Challenged(c.ip, ""):
		return &ChallengeError{Kind: "ip", Value: c.ip}
	}
	return nil
}

// foldLogin is a login as the collector names it when it does not know
// the user id: trimmed and lower case.
func foldLogin(l string) string { return strings.ToLower(strings.TrimSpace(l)) }

// userRun runs the user's addresses within the request, fills the call's
// client IP, user agent and start from the request, and returns the
// blocking action of a security-response rule (a blocked IP or user from
// the collector's decisions) matched in this request, if any.
func (r *Request) userRun(c *userCall, addrs []waf.Address) *waf.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done && len(addrs) > 0 {
		r.run(addrs)
	}
	for _, ad := range r.addrs {
		if ad.Name == waf.AddrClientIP && c.ip == "" {
			c.ip = ad.Value.Str()
		}
	}
	if r.in != nil && c.ua == "" {
		for _, h := range r.in.Headers {
			if strings.EqualFold(h[0], "user-agent") {
				c.ua = h[1]
				break
			}
		}
	}
	var first *waf.Context
	if !r.done {
		first = r.waf
	}
	return responseBlock(r.matches, first)
}

// userRun evaluates the user's addresses, and the client IP given
// WithClientIP, without a request: a context of its own, released at
// once.
func (a *Agent) userRun(c *userCall, addrs []waf.Address) *waf.Action {
	if c.ip != "" {
		addrs = append(addrs, waf.Address{Name: waf.AddrClientIP, Value: waf.String(c.ip)})
	}
	if len(addrs) == 0 {
		return nil
	}
	defer a.Recover()
	wc := a.engine.NewContext()
	defer wc.Close()
	res := wc.Run(addrs)
	return responseBlock(res.Matches, wc)
}

// responseBlock returns the blocking action of the first blocking
// security-response match (the rules that read the collector's block
// lists), nil when there is none. The action is the engine's own when it
// was this rule's; otherwise the default 403.
func responseBlock(ms []waf.Match, wc *waf.Context) *waf.Action {
	for i := range ms {
		m := &ms[i]
		if !m.Blocking || m.Category != "security_response" {
			continue
		}
		if wc != nil {
			if b := wc.Blocked(); b != nil && b.RuleID == m.RuleID {
				return b
			}
		}
		return &waf.Action{ID: "block", Type: "block_request", StatusCode: 403, ContentType: "auto", GRPCStatusCode: 7, RuleID: m.RuleID}
	}
	return nil
}

// event builds the call's user event.
func (c *userCall) event(a *Agent, blocked bool) *event.Event {
	ev := &event.Event{
		Type: c.typ, Time: time.Now().UTC(), Service: a.cfg.Service, Env: a.cfg.Env, Function: lambdaFunction(),
		Version: Version, Mode: string(a.cfg.Mode), Blocked: blocked,
		IP: c.ip, UserAgent: redact.Truncate(c.ua, maxUserField), SessionID: redactSession(c.session),
		Name: redact.Truncate(c.name, maxUserField),
	}
	if c.id != "" || c.login != "" || c.exists != nil {
		ev.Usr = &event.User{ID: redact.Truncate(c.id, maxUserField), Login: redact.Truncate(c.login, maxUserField), Exists: c.exists}
	}
	if len(c.md) > 0 {
		ev.Metadata = make(map[string]any, min(len(c.md), MaxUserMetadata))
		for k, v := range c.md {
			if len(ev.Metadata) == MaxUserMetadata {
				break
			}
			ev.Metadata[k] = metadataValue(k, v)
		}
	}
	return ev
}

// redactSession keeps a session id recognisable without sending it (a
// session id is a credential): the same session always gives the same
// "sha256:" and 16 hex digits, so the collector can still count attempts
// per session.
func redactSession(s string) string {
	if s == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// metadataValue redacts a metadata value: sensitive keys are replaced,
// strings redacted and truncated, numbers and booleans kept, anything else
// formatted.
func metadataValue(k string, v any) any {
	if redact.Key(k) {
		return redact.Placeholder
	}
	switch v := v.(type) {
	case nil, bool, int, int32, int64, uint, uint32, uint64, float32, float64:
		return v
	case string:
		return redact.Truncate(redact.Value(v), maxUserField)
	default:
		return redact.Truncate(redact.Value(fmt.Sprint(v)), maxUserField)
	}
}
