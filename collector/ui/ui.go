// Package ui is the collector's web UI, served by `rampart serve` beside
// the JSON API: an overview of attacks and exploits, the signals with their
// evidence (the user input highlighted inside the SQL statement, command,
// URL or path it changed, the stack trace; the login timeline of an
// account-takeover campaign), and the decisions that answer them.
//
// Pages are rendered on the server with html/template, so every value that
// came from an event is escaped; the charts are SVG drawn on the server.
// Templates, style sheet and script are embedded (no CDN, no external
// font). Every page needs a session: a login with the admin token (login
// "admin") or as a user an admin created (PBKDF2-SHA256 password hashes).
// Sessions live in HttpOnly, SameSite=Strict cookies (Secure over TLS),
// every form POST carries the session's CSRF token, and every response
// carries a strict Content-Security-Policy (no inline script or style) and
// forbids framing. No secret is ever rendered: an ingest key is shown once,
// on the page that created it; the admin token never.
//
// The UI works on the collector's Store and, for what the Store does not
// aggregate (the overview's counts, the logins of a campaign, the signals
// per IP), the notes people write on signals and its own users and
// sessions, on the ReadModel, IPCounter, NoteStore, UserStore and
// SessionStore the same store implements (collector/sqlstore's, on SQLite
// or PostgreSQL).
// Decisions made here go through the Store, so functions get them from
// GET /v1/decisions like any other.
package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip"
	"github.com/rampartsec/rampart/waf/httpinput"
)

//go:embed templates/*.html static/*
var files embed.FS

// ContentSecurityPolicy is sent with every response of the UI: scripts,
// styles and images only from the UI itself, no inline script or style, no
// plugins, no framing, forms only to the UI.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Config configures the UI. Store is required.
type Config struct {
	// Store is the collector's store. It must also be the UI's
	// ReadModel, UserStore, SessionStore, NoteStore and IPCounter, as
	// collector/sqlstore's is.
	Store collector.Store
	// Logger receives logins and errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SecureCookies marks the cookies Secure even on plain HTTP
	// requests: set it behind a proxy that terminates TLS. Over TLS they
	// are Secure anyway.
	SecureCookies bool
	// PasswordIterations is the PBKDF2 work factor of new passwords;
	// 0 means DefaultPasswordIterations.
	PasswordIterations int
	// TrustedProxies are the peers whose client IP headers
	// (X-Forwarded-For...) the login limiter believes, as the library's
	// Config.TrustedProxies (RAMPART_TRUSTED_PROXIES): behind a load
	// balancer, set its network, or every user shares its address's
	// budget. nil means loopback only.
	TrustedProxies []netip.Prefix
	// PasswordChecks bounds the password checks running at once; 0 means
	// the number of CPUs.
	PasswordChecks int
	// RefuseDecision, when set, says why a decision must not be made
	// (collector.Server.RefuseDecision: loopback, the collector's own
	// addresses, the allow lists); "" when it may.
	RefuseDecision func(*collector.Decision) string
	// ObserveStore, when set, is told how long each of the UI's store
	// calls took (collector.Server.ObserveStore: the latency histograms
	// of the collector's GET /metrics).
	ObserveStore func(op string, d time.Duration, err error)
	// GeoIP, when set, names the country and the network (ASN and
	// organisation) of the addresses beside their other facts, from the
	// operator's MaxMind DB files (RAMPART_GEOIP_DB). The UI does not
	// close it.
	GeoIP *geoip.DB
}

// UI is the web UI. Serve it with Handler.
type UI struct {
	store    collector.Store
	read     ReadModel
	users    UserStore
	sessions SessionStore
	notes    NoteStore
	ips      IPCounter
	log      *slog.Logger
	now      func() time.Time
	secure   bool
	iter     int
	pages    map[string]*template.Template
	static   fs.FS
	limiter  loginLimiter
	attempts AttemptStore
	proxies  httpinput.Options
	hashing  chan struct{} // a slot per password check in progress
	refuse   func(*collector.Decision) string
	geo      *geoip.DB

	mu       sync.Mutex
	overview map[string]cachedOverview
}

type cachedOverview struct {
	at time.Time
	o  *Overview
}

// overviewTTL is how long an overview is reused: it aggregates a window of
// events, and a dashboard reloaded by several people should not redo it.
const overviewTTL = 5 * time.Second

// New returns the UI over cfg.Store. It does no I/O: the store's
// migrations made the UI's tables, and ctx is unused.
func New(ctx context.Context, cfg Config) (*UI, error) {
	if cfg.Store == nil {
		return nil, errors.New("ui: Config.Store is required")
	}
	d, ok := cfg.Store.(interface {
		ReadModel
		UserStore
		SessionStore
		NoteStore
		IPCounter
	})
	if !ok {
		return nil, fmt.Errorf("ui: the store (%T) is not the UI's ReadModel, UserStore, SessionStore, NoteStore and IPCounter", cfg.Store)
	}
	u := &UI{store: cfg.Store, read: d, users: d, sessions: d, notes: d, ips: d, log: cfg.Logger, now: cfg.Now, secure: cfg.SecureCookies, iter: cfg.PasswordIterations,
		overview: map[string]cachedOverview{}}
	if u.log == nil {
		u.log = slog.Default()
	}
	if u.now == nil {
		u.now = time.Now
	}
	if u.iter <= 0 {
		u.iter = DefaultPasswordIterations
	}
	u.proxies = httpinput.Options{TrustedProxies: cfg.TrustedProxies}
	u.attempts = memAttempts{&u.limiter}
	if a, ok := cfg.Store.(interface {
		AttemptStore
		Shared() bool
	}); ok && a.Shared() {
		// A store that replicas share counts for all of them; one
		// process's own store is counted in memory (no write per post).
		u.attempts = a
	}
	n := cfg.PasswordChecks
	if n <= 0 {
		n = runtime.NumCPU()
	}
	u.hashing = make(chan struct{}, n)
	u.refuse = cfg.RefuseDecision
	u.geo = cfg.GeoIP
	if f := cfg.ObserveStore; f != nil {
		u.store = collector.TimeStore(cfg.Store, f)
		u.read = timedRead{d, f}
	}
	var err error
	if u.pages, err = parsePages(); err != nil {
		return nil, err
	}
	u.static, _ = fs.Sub(files, "static")
	return u, nil
}

// Handler serves the UI, and hands /v1/ and /healthz to api (the
// collector's JSON API, which authenticates its own requests).
func (u *UI) Handler(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	if api != nil {
		mux.Handle("/v1/", api)
		mux.Handle("/healthz", api)
	}
	static := http.FileServerFS(u.static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listing
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.login)
	mux.HandleFunc("POST /logout", u.requireSession(RoleViewer, u.logout))
	mux.HandleFunc("GET /{$}", u.requireSession(RoleViewer, u.overviewPage))
	mux.HandleFunc("GET /signals", u.requireSession(RoleViewer, u.signalsPage))
	mux.HandleFunc("GET /signals/{id}", u.requireSession(RoleViewer, u.signalPage))
	mux.HandleFunc("POST /signals/{id}/status", u.requireSession(RoleAnalyst, u.setStatus))
	mux.HandleFunc("POST /signals/{id}/notes", u.requireSession(RoleAnalyst, u.postNote))
	mux.HandleFunc("POST /signals/bulk", u.requireSession(RoleAnalyst, u.bulkStatus))
	mux.HandleFunc("GET /decisions", u.requireSession(RoleViewer, u.decisionsPage))
	mux.HandleFunc("POST /decisions", u.requireSession(RoleAnalyst, u.postDecision))
	mux.HandleFunc("POST /decisions/{id}/delete", u.requireSession(RoleAnalyst, u.deleteDecision))
	mux.HandleFunc("GET /keys", u.requireSession(RoleAdmin, u.keysPage))
	mux.HandleFunc("POST /keys", u.requireSession(RoleAdmin, u.postKey))
	mux.HandleFunc("POST /keys/{id}/revoke", u.requireSession(RoleAdmin, u.revokeKey))
	mux.HandleFunc("GET /users", u.requireSession(RoleAdmin, u.usersPage))
	mux.HandleFunc("POST /users", u.requireSession(RoleAdmin, u.postUser))
	mux.HandleFunc("POST /users/{id}/delete", u.requireSession(RoleAdmin, u.deleteUser))
	mux.HandleFunc("/", u.requireSession(RoleViewer, func(w http.ResponseWriter, r *http.Request) {
		u.errorPage(w, r, http.StatusNotFound, "No such page.")
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") && r.URL.Path != "/healthz" {
			h := w.Header()
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Frame-Options", "DENY")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if !strings.HasPrefix(r.URL.Path, "/static/") {
				h.Set("Cache-Control", "no-store")
			}
			if r.TLS != nil {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	Session *session
	Notice  string
	Data    any
}

// notices are the messages a redirect after a POST may ask for (?done=),
// from this fixed list only, so a link cannot make the UI say anything.
var notices = map[string]string{
	"decision": "Decision saved. Functions get it with their next poll of GET /v1/decisions.",
	"deleted":  "Decision removed.",
	"archived": "Signal archived.",
	"reopened": "Signal reopened.",
	"note":     "Note saved.",
	"user":     "User created.",
	"userdel":  "User deleted.",
	"revoked":  "Key revoked.",
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t := u.pages[name]
	if p.Session == nil {
		p.Session = sessionOf(r)
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("done")]
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		u.log.Error("ui: rendering", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u.render(w, r, status, "error", &page{Title: http.StatusText(status), Data: msg})
}

// fail answers an error: a collector error with its status and message,
// anything else logged and answered without detail.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *collector.Error
	if errors.As(err, &ce) && ce.Code != collector.EInternal {
		u.errorPage(w, r, collector.StatusOf(ce.Code), ce.Message)
		return
	}
	u.log.Error("ui: internal error", "path", r.URL.Path, "error", err)
	u.errorPage(w, r, http.StatusInternalServerError, "Internal error; see the collector's log.")
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	names := []string{"login", "error", "overview", "signals", "signal", "decisions", "keys", "users"}
	out := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.New(n).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", n, err)
		}
		out[n] = t
	}
	return out, nil
}
