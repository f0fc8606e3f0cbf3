// Package rampart is in-process application and API protection for Go
// services and AWS Lambda functions. It runs inside the process it
// protects: an in-process WAF evaluates every request against a ruleset
// and can block it; exploit prevention checks, at the SQL query, the
// outgoing HTTP request, the shell or exec call and the file open, whether
// request data changed the structure of what the code is about to run;
// and user events from the business logic feed the collector's
// account-takeover detection, whose decisions the agent enforces.
//
// Everything is switched on by one environment variable,
// RAMPART_ENABLED=true, read by ConfigFromEnv; off, the guards are
// pass-throughs that cost nothing. Applications that configure rampart in
// code call New with a Config, or Enable to install the process-wide
// instance that the guards use by default.
//
// The guards call this package: httpguard (net/http middleware, and the
// outgoing Transport and Dialer), lambdaguard (AWS Lambda handlers),
// sqlguard (database/sql), execguard (os/exec) and fsguard (file opens);
// so does the C shared library that the Python package loads
// (bindings/librampart).
//
// # Configuration
//
// The policy, in one place:
//
//   - RAMPART_ENABLED is the one switch that turns rampart off: unset or
//     false, rampart is off and nothing else is checked fatally (an
//     emergency RAMPART_ENABLED=false always works).
//   - A value rampart does not accept (RAMPART_MODE=enforce,
//     RAMPART_ENABLED=maybe, RAMPART_TIMEOUT=2, a bad CIDR) is an error: from
//     ConfigFromEnv and New for callers who check it, and a startup failure
//     (FromEnv: logged, then the process exits) for the guards that
//     configure themselves. rampart never runs switched off, or in a mode
//     nobody asked for, because of a typo.
//   - A ruleset that cannot be used (unreadable, not JSON, no rules left)
//     is replaced by the embedded default ruleset, with an ERROR line at
//     every start and Status().RulesFallback; its invalid rules alone are
//     left out, each logged once. StrictRules (RAMPART_RULES_STRICT) turns
//     both into errors instead.
//
// # Requests
//
// A guard begins a request with Agent.Begin (Agent.BeginHTTP for a
// net/http request), which builds the engine's request with the agent's
// options, evaluates its headers, then its body unless the headers already
// blocked it, and returns the security context (a *Request) that the rest
// of the request shares through WithRequest and FromContext. A blocked
// request is answered with the block response of the rule that blocked it,
// a value (Request.BlockResponse: status, header and a JSON or HTML body
// by the request's Accept) that each guard writes in its transport's
// shape. Every guard defers Agent.Recover: a panic inside rampart is
// counted and logged, and the request goes on unprotected (fail open).
//
// # Exploit prevention
//
// The sink guards (sqlguard, execguard, fsguard,
// httpguard.Transport) call these checks with the resource the code is
// about to use. The request's WAF context runs its exploit-prevention rules
// on it; a match is reported as an exploit event with a stack trace, and in
// block mode the check returns a *BlockedError (wrapping ErrBlocked) that
// the guard returns instead of calling the sink. Without a protected
// request on the context the checks return nil at once.
//
// What a check compares the resource with: every string the request
// carried, whole (httpinput.SinkInputs documents each address) — every
// query parameter and cookie, the path parameters, the User-Agent,
// Referer and X-Forwarded-For headers, and the body however it is
// labelled: the raw body, and its keys and strings when it parses as
// JSON (also JSON inside JSON strings), a form, multipart or XML, up to
// 8 MiB counting what the handler reads after the WAF's 1 MiB. None of
// the WAF's limits apply (no string is cut at 4096 bytes, no container
// at 256 elements, no nesting at depth 20), and an input of any length
// counts: each detector decides from its grammar whether two or three
// bytes (;id, '--) are an exploit. An input with blanks at its ends is
// also looked for trimmed.
//
// Cost: the request's strings are collected once per request, at its
// first check (linear in the request's size), and each check hands its
// detector only the inputs found in the resource, through a hashed index
// of the resource: O(len(resource) + distinct inputs) per check, plus the
// detector's work on the inputs found.
//
// # User events
//
// The application's business logic reports what only it
// knows — who tried to log in, whether the account exists, whether it
// worked, which session was created — with TrackLoginSuccess,
// TrackLoginFailure, TrackSignup, TrackSessionCreate and TrackEvent, and
// names the user of an authenticated request with SetUser.
//
// Each call takes the client IP, user agent and session from the request's
// security context (FromContext) when there is one, and the service,
// function and time, and sends the event to the agent's exporter; the
// collector detects account takeover across all invocations. Each call
// also runs the WAF over usr.id, usr.login and usr.session_id, and asks
// the agent for the collector's challenge decisions, so the application
// can answer within the same invocation:
//
//	err := rampart.TrackLoginSuccess(ctx, user.ID, rampart.WithLogin(login))
//	switch rampart.ActionOf(err) {
//	case rampart.ActionBlock:     // 403: the user or the IP is blocked
//	case rampart.ActionChallenge: // ask for the second factor first
//	}
//
// Block and challenge are answered in block mode only; in monitor mode
// the calls report and return nil. Without a request on ctx the calls use
// the process-wide agent (Default) or the one given WithAgent, and
// WithClientIP and WithUserAgent say what the request would have. With
// rampart disabled they do nothing and return nil.
package rampart
