package ui

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// Roles of the UI's users. The admin token logs in as an admin.
const (
	// RoleAdmin may do everything: users and ingest keys too.
	RoleAdmin = "admin"
	// RoleAnalyst may triage signals and make or remove decisions.
	RoleAnalyst = "analyst"
	// RoleViewer may only look.
	RoleViewer = "viewer"
)

// Roles lists the roles, most powerful first.
var Roles = []string{RoleAdmin, RoleAnalyst, RoleViewer}

// AdminLogin is the login under which the admin token is accepted as the
// password; no user can be created with it.
const AdminLogin = "admin"

// Session and login limits.
const (
	// SessionTTL is how long a login lasts.
	SessionTTL = 12 * time.Hour
	// DefaultPasswordIterations is the PBKDF2-HMAC-SHA256 work factor
	// (OWASP's 2023 figure for this hash).
	DefaultPasswordIterations = 600_000
	// MinPassword is the shortest password accepted.
	MinPassword = 12
	// maxLoginFailures per IP within loginWindow, then the login form
	// refuses that IP until the window has passed.
	maxLoginFailures = 10
	loginWindow      = 5 * time.Minute
	// hashWait is how long a login waits for a password check slot
	// (see UI.hashing) before it is answered 503.
	hashWait = 5 * time.Second
	// maxCredential bounds a login or password (PBKDF2 of a megabyte
	// password is a denial of service).
	maxCredential = 256
	// maxForm bounds a form's body: the largest holds a decision's value
	// and reason of 1 KiB each.
	maxForm = 16 << 10
)

// Cookie names. The session cookie holds a random token; the table holds
// its hash.
const (
	sessionCookie = "rampart_session"
	loginCookie   = "rampart_login"
)

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// hashPassword returns the stored form of a password:
// "pbkdf2-sha256$<iterations>$<salt>$<key>" (base64).
func hashPassword(pw string, iter int) (string, error) {
	var salt [16]byte
	rand.Read(salt[:])
	k, err := pbkdf2.Key(sha256.New, pw, salt[:], iter, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding.EncodeToString
	return "pbkdf2-sha256$" + strconv.Itoa(iter) + "$" + enc(salt[:]) + "$" + enc(k), nil
}

// checkPassword reports whether pw matches the stored hash.
func checkPassword(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	k, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(k, want) == 1
}

// dummyHash is checked against when the login does not exist, so that
// the answer takes as long as for a wrong password.
var dummyHash struct {
	once sync.Once
	h    string
}

// loginLimiter counts login attempts per client IP. An attempt is
// reserved before the password is checked, so that concurrent posts from
// one address cannot all reach the (deliberately slow) hash; a success
// gives its reservation back. The map is bounded without ever being reset:
// past maxLimiterIPs, expired entries are swept, and addresses still not
// in it share one budget until room frees up, so a flood of new addresses
// cannot wipe the count of an address under attack.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

const (
	// maxLimiterIPs bounds the addresses the limiter tracks one by one.
	maxLimiterIPs = 100_000
	// overflowKey is the shared budget of the addresses past it.
	overflowKey = "*"
)

// reserve counts an attempt from ip at now, and reports false (not
// counted) when ip already used its budget.
func (l *loginLimiter) reserve(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string][]time.Time{}
	}
	if _, ok := l.fails[ip]; !ok && len(l.fails) >= maxLimiterIPs {
		l.sweep(now)
		if len(l.fails) >= maxLimiterIPs {
			ip = overflowKey
		}
	}
	keep := l.fails[ip][:0]
	for _, t := range l.fails[ip] {
		if now.Sub(t) < loginWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= maxLoginFailures {
		l.fails[ip] = keep
		return false
	}
	l.fails[ip] = append(keep, now)
	return true
}

// succeed gives back the reservation made at t by a login that worked.
func (l *loginLimiter) succeed(ip string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range []string{ip, overflowKey} {
		ts := l.fails[k]
		for i := len(ts) - 1; i >= 0; i-- {
			if ts[i].Equal(t) {
				l.fails[k] = append(ts[:i], ts[i+1:]...)
				if len(l.fails[k]) == 0 {
					delete(l.fails, k)
				}
				return
			}
		}
	}
}

// memAttempts is the in-memory AttemptStore: the limiter of one process.
type memAttempts struct{ l *loginLimiter }

func (m memAttempts) ReserveLoginAttempt(_ context.Context, key string, now time.Time, _ time.Duration, _ int) (string, error) {
	if !m.l.reserve(key, now) {
		return "", nil
	}
	return strconv.FormatInt(now.UnixNano(), 10), nil
}

func (m memAttempts) ReleaseLoginAttempt(_ context.Context, key, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err == nil {
		m.l.succeed(key, time.Unix(0, n))
	}
	return nil
}

// sweep drops the addresses whose attempts all expired.
func (l *loginLimiter) sweep(now time.Time) {
	for ip, ts := range l.fails {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= loginWindow {
			delete(l.fails, ip)
		}
	}
}

// clientIP is the address a login attempt is counted under: the client's,
// from the proxy headers when the connection comes from a trusted proxy
// (Config.TrustedProxies), else the connection's peer.
func (u *UI) clientIP(r *http.Request) string {
	hs := make([][2]string, 0, 4)
	for _, name := range httpinput.DefaultClientIPHeaders {
		for _, v := range r.Header.Values(name) {
			hs = append(hs, [2]string{name, v})
		}
	}
	if a := httpinput.ClientIP(r.RemoteAddr, hs, &u.proxies); a.IsValid() {
		return a.String()
	}
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}

// adminKey returns the active admin key whose secret is tok. Every key's
// hash is compared, in constant time.
func (u *UI) adminKey(ctx context.Context, tok string) (collector.Key, bool, error) {
	ks, err := u.store.Keys(ctx)
	if err != nil {
		return collector.Key{}, false, err
	}
	want, _ := hex.DecodeString(collector.HashSecret(tok))
	var found collector.Key
	ok := 0
	for _, k := range ks {
		have, err := hex.DecodeString(k.Hash)
		if err != nil || len(have) != len(want) || k.Kind != collector.KeyAdmin || !k.RevokedAt.IsZero() {
			continue
		}
		if subtle.ConstantTimeCompare(have, want) == 1 {
			found, ok = k, 1
		}
	}
	return found, ok == 1, nil
}

// authenticate checks a login and password and returns the session to
// create, or nil for a wrong one.
func (u *UI) authenticate(ctx context.Context, login, pw string) (*session, error) {
	if login == AdminLogin {
		k, ok, err := u.adminKey(ctx, pw)
		if err != nil || !ok {
			return nil, err
		}
		return &session{UserID: "key:" + k.ID, Login: AdminLogin, Role: RoleAdmin}, nil
	}
	usr, err := u.users.UIUserByLogin(ctx, login)
	if collector.ErrorCode(err) == collector.ENotFound {
		dummyHash.once.Do(func() { dummyHash.h, _ = hashPassword("not a password", u.iter) })
		checkPassword(dummyHash.h, pw)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !checkPassword(usr.PasswordHash, pw) {
		return nil, nil
	}
	return &session{UserID: usr.ID, Login: usr.Login, Role: usr.Role}, nil
}

type ctxKey struct{}

// sessionOf returns the request's session, set by requireSession.
func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(ctxKey{}).(*session)
	return s
}

// currentSession reads and checks the session cookie: a known, unexpired
// session whose user (or admin key) still exists.
func (u *UI) currentSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, nil
	}
	ctx := r.Context()
	s, err := u.sessions.UISession(ctx, tokenHash(c.Value))
	if collector.ErrorCode(err) == collector.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.now().Before(s.Expires) {
		return nil, nil
	}
	if id, ok := strings.CutPrefix(s.UserID, "key:"); ok {
		ks, err := u.store.Keys(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			if k.ID == id && k.Kind == collector.KeyAdmin && k.RevokedAt.IsZero() {
				return s, nil
			}
		}
		return nil, nil
	}
	usr, err := u.users.UIUser(ctx, s.UserID)
	if collector.ErrorCode(err) == collector.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.Role = usr.Role
	return s, nil
}

// requireSession lets a request through only with a valid session, and
// a POST only with the session's CSRF token and, when the browser says,
// from the same origin. A GET without a session is sent to the login page;
// anything else is refused.
func (u *UI) requireSession(role string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := u.currentSession(r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) {
				http.Error(w, "cross-site request refused", http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			tok := r.PostForm.Get("csrf")
			if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
				http.Error(w, "missing or wrong CSRF token", http.StatusForbidden)
				return
			}
		}
		if !allowed(s.Role, role) {
			http.Error(w, "your role ("+s.Role+") may not do this", http.StatusForbidden)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	}
}

// allowed reports whether a user of role have may do what needs role want.
func allowed(have, want string) bool {
	rank := func(r string) int {
		switch r {
		case RoleAdmin:
			return 3
		case RoleAnalyst:
			return 2
		case RoleViewer:
			return 1
		}
		return 0
	}
	return rank(have) >= rank(want) && rank(have) > 0
}

// sameOrigin refuses a POST the browser says is cross-site (Sec-Fetch-Site)
// or whose Origin is another host. Without either header (a non-browser
// client) the CSRF token alone decides.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if o == "null" {
		// a browser that hides the origin still says same-origin
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	ou, err := url.Parse(o)
	return err == nil && ou.Host == r.Host
}

// overTLS reports whether the browser reached the UI over TLS: directly,
// or through a proxy that says so (X-Forwarded-Proto). A client that lies
// with the header only makes its own cookies Secure, which costs it its
// session over plain HTTP, nothing more.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (u *UI) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: u.secure || overTLS(r), SameSite: http.SameSiteStrictMode})
}

// loginPage shows the login form, with a login CSRF token in a cookie and
// in the form (double submit), since there is no session yet.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.renderLogin(w, r, http.StatusOK, "")
}

func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomToken()
	u.setCookie(w, r, loginCookie, tok, 600)
	next := r.FormValue("next")
	if !safeNext(next) {
		next = "/"
	}
	u.render(w, r, status, "login", &page{Title: "Log in", Data: map[string]string{"CSRF": tok, "Next": next, "Error": msg}})
}

// safeNext accepts only a local path as the page to go to after login.
func safeNext(n string) bool {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || len(n) > 2048 {
		return false
	}
	// Browsers drop tabs and newlines from a Location ("/\t/evil" is
	// "//evil") and read a backslash as a slash: refuse every control
	// character and backslash, then any authority left.
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(n)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	c, err := r.Cookie(loginCookie)
	tok := r.PostForm.Get("csrf")
	if err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 {
		http.Error(w, "missing or wrong CSRF token: reload the login page", http.StatusForbidden)
		return
	}
	now := u.now()
	ip := u.clientIP(r)
	// The attempt is counted before the password is checked, where every
	// replica counts (AttemptStore).
	attempt, err := u.attempts.ReserveLoginAttempt(r.Context(), ip, now, loginWindow, maxLoginFailures)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if attempt == "" {
		u.renderLogin(w, r, http.StatusTooManyRequests, "Too many failed logins from your address; wait a few minutes.")
		return
	}
	login, pw := strings.TrimSpace(r.PostForm.Get("login")), r.PostForm.Get("password")
	if login == "" || pw == "" || len(login) > maxCredential || len(pw) > maxCredential {
		u.renderLogin(w, r, http.StatusUnauthorized, "Wrong login or password.")
		return
	}
	// At most a few password checks at once: each takes a core for a
	// fraction of a second, and the collector must keep serving.
	select {
	case u.hashing <- struct{}{}:
	case <-time.After(hashWait):
		u.renderLogin(w, r, http.StatusServiceUnavailable, "Too many logins at once; try again in a moment.")
		return
	case <-r.Context().Done():
		return
	}
	s, err := u.authenticate(r.Context(), login, pw)
	<-u.hashing
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if s == nil {
		u.log.Warn("ui: failed login", "login", truncate(login, 64), "ip", ip)
		u.renderLogin(w, r, http.StatusUnauthorized, "Wrong login or password.")
		return
	}
	sid := randomToken()
	s.CSRF = randomToken()
	s.Expires = now.Add(SessionTTL)
	if err := u.sessions.PutUISession(r.Context(), tokenHash(sid), s, now); err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.attempts.ReleaseLoginAttempt(r.Context(), ip, attempt); err != nil {
		u.log.Warn("ui: releasing a login attempt", "error", err)
	}
	u.log.Info("ui: login", "login", s.Login, "role", s.Role, "ip", ip)
	u.setCookie(w, r, loginCookie, "", -1)
	u.setCookie(w, r, sessionCookie, sid, int(SessionTTL/time.Second))
	next := r.PostForm.Get("next")
	if !safeNext(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := u.sessions.DeleteUISession(r.Context(), tokenHash(c.Value)); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	u.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// validLogin accepts logins of letters, digits and ".-_@".
func validLogin(l string) error {
	if l == "" || len(l) > 64 {
		return fmt.Errorf("a login has 1 to 64 characters")
	}
	if l == AdminLogin {
		return fmt.Errorf("%q is the admin token's login", AdminLogin)
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-_@", c)) {
			return fmt.Errorf("a login has letters, digits and . - _ @ only")
		}
	}
	return nil
}
