// Package routes is the vulnerable example application that rampart's demo,
// tests and Lambda example share. Each route reaches its sink by string
// concatenation, on purpose, through rampart's guards (sqlguard, httpguard's
// client, execguard, fsguard), so that exploits are caught at the call:
//
//	GET  /users?name=N   SELECT id, name, email FROM users WHERE name = 'N' (SQLite)
//	GET  /fetch?url=U    fetches U as given (200 with "error" when it fails)
//	GET  /proxy?path=P   fetches <upstream>/P: the input controls only the path
//	GET  /ping?host=H    sh -c "ping -c 1 -W 1 H" (a stand-in when ping is missing)
//	GET  /convert?file=F runs wc -c F in the files directory (exec, no shell)
//	GET  /files?name=F   reads <files directory>/F
//	POST /login          {"login", "password"}: login success and failure events
//	                     (rampart.TrackLoginSuccess / TrackLoginFailure)
//	GET  /healthz
//
// Normal values get 200 on every route. A call that rampart blocks answers
// 403 with the block response. Never deploy it.
package routes

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the example's database

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/execguard"
	"github.com/rampartsec/rampart/fsguard"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/sqlguard"
)

// Config configures the application.
type Config struct {
	// Dir holds the SQLite database and the files directory; empty means a
	// new temporary directory.
	Dir string
	// Upstream is the base URL that /proxy fetches from (its own upstream,
	// served at /upstream/ by the same handler); set it once the listener's
	// address is known. Empty means /proxy answers 503.
	Upstream string
	// Dialer dials the outgoing requests of /fetch and /proxy; nil means
	// httpguard's default Dialer (real DNS). Tests inject one that only
	// reaches loopback.
	Dialer *httpguard.Dialer
}

// App is the example application.
type App struct {
	cfg    Config
	db     *sql.DB
	files  string
	client *http.Client
	mux    *http.ServeMux
	ping   string
}

// Users of the example's /login (login → password).
var Users = map[string]string{"alice": "wonderland", "bob": "builder", "carol": "s3cret-carol", "dave": "correct-horse"}

// New opens the database, writes the example files and returns the
// application.
func New(cfg Config) (*App, error) {
	if cfg.Dir == "" {
		d, err := os.MkdirTemp("", "vulnapp-")
		if err != nil {
			return nil, err
		}
		cfg.Dir = d
	}
	a := &App{cfg: cfg, files: filepath.Join(cfg.Dir, "files")}
	if err := os.MkdirAll(filepath.Join(a.files, "reports"), 0o755); err != nil {
		return nil, err
	}
	for name, body := range map[string]string{
		"readme.txt":         "Welcome to the example application.\n",
		"reports/q3.txt":     "Quarterly report: revenue up 4%.\n",
		"../private-key.pem": "-----BEGIN EXAMPLE KEY----- not a real key -----END EXAMPLE KEY-----\n",
	} {
		if err := os.WriteFile(filepath.Join(a.files, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	db, err := sqlguard.Open("sqlite", "file:"+filepath.Join(cfg.Dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, email TEXT)",
		"INSERT OR IGNORE INTO users (id, name, email) VALUES (1, 'alice', 'alice@example.com'), (2, 'bob', 'bob@example.com'), (3, 'carol', 'carol@example.com')",
	} {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("vulnapp: %s: %w", stmt, err)
		}
	}
	a.db = db
	a.client = httpguard.NewClient(cfg.Dialer)
	a.client.Timeout = 5 * time.Second
	if p, err := exec.LookPath("ping"); err == nil {
		a.ping = p
	}
	a.mux = http.NewServeMux()
	a.mux.HandleFunc("GET /users", a.users)
	a.mux.HandleFunc("POST /users", a.users)
	a.mux.HandleFunc("GET /fetch", a.fetch)
	a.mux.HandleFunc("POST /fetch", a.fetch)
	a.mux.HandleFunc("GET /proxy", a.proxy)
	a.mux.HandleFunc("POST /proxy", a.proxy)
	a.mux.HandleFunc("GET /ping", a.pingHost)
	a.mux.HandleFunc("POST /ping", a.pingHost)
	a.mux.HandleFunc("GET /convert", a.convert)
	a.mux.HandleFunc("POST /convert", a.convert)
	a.mux.HandleFunc("GET /files", a.file)
	a.mux.HandleFunc("POST /files", a.file)
	a.mux.HandleFunc("POST /login", a.login)
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	a.mux.HandleFunc("GET /upstream/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"upstream": "ok", "path": r.URL.Path})
	})
	return a, nil
}

// ServeHTTP serves the routes.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// SetUpstream sets the base URL /proxy fetches from.
func (a *App) SetUpstream(u string) { a.cfg.Upstream = strings.TrimRight(u, "/") }

// Dir returns the application's data directory.
func (a *App) Dir() string { return a.cfg.Dir }

// Close closes the database.
func (a *App) Close() error { return a.db.Close() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers an error: rampart's blocks are left to the guard, which
// writes the block response.
func fail(w http.ResponseWriter, err error) {
	if errors.Is(err, rampart.ErrBlocked) {
		w.WriteHeader(http.StatusForbidden) // the guard writes the block response instead
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
}

// param returns the route's input: the query parameter, or else the field
// of the body read as a JSON object whatever its Content-Type says, or as a
// form (the routes also answer POST, as many APIs do).
func param(r *http.Request, name string) string {
	if v := r.URL.Query().Get(name); v != "" || r.Body == nil {
		return v
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	var obj map[string]any
	if json.Unmarshal(b, &obj) == nil {
		if v, ok := obj[name].(string); ok {
			return v
		}
		return ""
	}
	if form, err := url.ParseQuery(string(b)); err == nil {
		return form.Get(name)
	}
	return ""
}

func (a *App) users(w http.ResponseWriter, r *http.Request) {
	name := param(r, "name")
	rows, err := a.db.QueryContext(r.Context(), "SELECT id, name, email FROM users WHERE name = '"+name+"'") // SQL sink
	if err != nil {
		fail(w, err)
		return
	}
	defer rows.Close()
	type user struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	out := []user{}
	for rows.Next() {
		var u user
		if err := rows.Scan(&u.ID, &u.Name, &u.Email); err != nil {
			fail(w, err)
			return
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"users": out})
}

func (a *App) get(ctx context.Context, target string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := a.client.Do(req) // HTTP sink
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), nil
}

func (a *App) fetch(w http.ResponseWriter, r *http.Request) {
	status, body, err := a.get(r.Context(), param(r, "url"))
	if err != nil {
		if errors.Is(err, rampart.ErrBlocked) {
			fail(w, err)
			return
		}
		writeJSON(w, 200, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, 200, map[string]any{"status": status, "body": body})
}

func (a *App) proxy(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Upstream == "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no upstream"})
		return
	}
	status, body, err := a.get(r.Context(), a.cfg.Upstream+"/"+param(r, "path"))
	if err != nil {
		if errors.Is(err, rampart.ErrBlocked) {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, 200, map[string]any{"status": status, "body": body})
}

func (a *App) pingHost(w http.ResponseWriter, r *http.Request) {
	host := param(r, "host")
	script := "ping -c 1 -W 1 " + host
	if a.ping == "" {
		script = "printf 'PING %s (stand-in: ping is not installed)\\n' " + host
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	cmd, err := execguard.Shell(ctx, script) // shell sink
	if err != nil {
		fail(w, err)
		return
	}
	out, err := cmd.CombinedOutput()
	exit := 0
	if err != nil {
		exit = -1
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			exit = ee.ExitCode()
		}
	}
	writeJSON(w, 200, map[string]any{"output": string(out), "exit": exit})
}

func (a *App) convert(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	cmd, err := execguard.Command(ctx, "wc", "-c", param(r, "file")) // exec sink
	if err != nil {
		fail(w, err)
		return
	}
	cmd.Dir = a.files
	out, err := cmd.CombinedOutput()
	if err != nil {
		writeJSON(w, 200, map[string]any{"output": string(out), "error": err.Error()})
		return
	}
	writeJSON(w, 200, map[string]any{"output": strings.TrimSpace(string(out))})
}

func (a *App) file(w http.ResponseWriter, r *http.Request) {
	b, err := fsguard.ReadFile(r.Context(), a.files+"/"+param(r, "name")) // file sink
	if err != nil {
		if errors.Is(err, rampart.ErrBlocked) {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such file"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(b)
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.Login == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"login": "...", "password": "..."}`})
		return
	}
	want, exists := Users[in.Login]
	ok := exists && subtle.ConstantTimeCompare(digest(in.Password), digest(want)) == 1
	// The business logic tells rampart what happened: the collector
	// detects brute force and credential stuffing across all instances,
	// and its decisions come back as a block or a step-up requirement.
	var err error
	if ok {
		err = rampart.TrackLoginSuccess(r.Context(), in.Login, rampart.WithLogin(in.Login))
	} else {
		err = rampart.TrackLoginFailure(r.Context(), in.Login, exists)
	}
	switch {
	case errors.Is(err, rampart.ErrBlocked):
		fail(w, err)
		return
	case errors.Is(err, rampart.ErrChallenge):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "step-up authentication required", "challenge": "otp"})
		return
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid login or password"})
		return
	}
	writeJSON(w, 200, map[string]string{"login": in.Login, "session": "example-session"})
}

func digest(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
