package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
)

// The demo's client addresses, from the documentation ranges (RFC 5737):
// they only travel in X-Forwarded-For headers to a loopback server.
const (
	stufferIP = "203.0.113.50"
	bruteIP   = "198.51.100.7"
	officeIP  = "192.0.2.10"
)

// atoDemo runs a credential-stuffing campaign, a brute force and an office
// of real users behind one NAT address against the example application's
// /login, which reports login events; the collector detects the attacks
// and its decisions block the attackers in-process.
func atoDemo(ctx context.Context, out io.Writer, col *demoCollector) error {
	fmt.Fprintf(out, "\n3. Account takeover: login events from the example application's /login\n\n")
	agent, err := rampart.New(rampart.Config{
		Enabled: true, Mode: rampart.ModeBlock, Service: "vulnapp",
		Endpoint: col.url, APIKey: col.key, PollInterval: 300 * time.Millisecond,
		// The demo's clients are told apart by X-Forwarded-For, as behind
		// a load balancer.
		TrustAllProxies: true,
		Timeout:         50 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer agent.Close(context.Background())
	base, stop, err := serveVulnapp(agent)
	if err != nil {
		return err
	}
	defer stop()
	l := &logins{base: base, client: &http.Client{Timeout: 5 * time.Second}}
	if err := atoTraffic(ctx, out, l); err != nil {
		return err
	}
	if err := agent.Flush(ctx); err != nil {
		return err
	}
	for _, typ := range []string{"credential_stuffing", "brute_force"} {
		s, err := col.waitSignal(ctx, typ, 15*time.Second)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  detected: %s — %s\n", s.Type, truncate(s.Title, 90))
	}
	if err := atoResponse(ctx, out, l); err != nil {
		return err
	}
	if err := agent.Flush(ctx); err != nil {
		return err
	}
	return atoCounts(ctx, out, col, l)
}

// atoCounts waits until the campaigns' signals count the attempts that
// reached /login (they go on being counted after the detection, within
// the detector's cooldown), and prints them.
func atoCounts(ctx context.Context, out io.Writer, col *demoCollector, l *logins) error {
	stuffing := l.attempts[stufferIP]
	// The brute force's run of failures on bob after his last success:
	// the guesses and the stuffing's attempt on bob.
	brute := l.failsSince["bob"]
	for _, c := range []struct {
		typ  string
		want int
	}{{"credential_stuffing", stuffing}, {"brute_force", brute}} {
		var got int64
		deadline := time.Now().Add(15 * time.Second)
		for {
			s, err := col.waitSignal(ctx, c.typ, time.Second)
			if err != nil {
				return err
			}
			if got = s.Count; got >= int64(c.want) || time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		switch c.typ {
		case "credential_stuffing":
			fmt.Fprintf(out, "  counted: credential_stuffing %d attempts = 40 pairs + %s from %s that reached /login (%s refused in-process by the block: signal \"Blocked client IP address\")\n",
				got, count(stuffing-40, "later login"), stufferIP, count(l.refused[stufferIP], "more"))
		default:
			fmt.Fprintf(out, "  counted: brute_force %d attempts = 15 guesses + %d of the stuffing's on bob (his failures since his last success)\n",
				got, brute-15)
		}
	}
	return nil
}

// atoTraffic sends the office's logins, the credential stuffing and the
// brute force.
func atoTraffic(ctx context.Context, out io.Writer, l *logins) error {
	// The office: real users, mostly right the first time.
	office, err := l.count(ctx, officeIP, 30, func(i int) (string, string) {
		u := []string{"alice", "bob", "carol", "dave"}[i%4]
		if i%10 == 7 {
			return u, "typo"
		}
		return u, routes.Users[u]
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "office behind %s: 30 logins of alice, bob, carol and dave (%d ok, %d typos)\n", officeIP, office[200], office[401])
	stuff, err := l.count(ctx, stufferIP, 40, func(i int) (string, string) {
		if i%8 == 3 {
			u := []string{"alice", "bob", "carol"}[i%3]
			return u, "leaked-password-" + fmt.Sprint(i)
		}
		return fmt.Sprintf("user%04d@example.com", 1000+i*7), "Summer2024!"
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "credential stuffing from %s: 40 leaked pairs, mostly unknown logins (%d failed)\n", stufferIP, stuff[401])
	brute, err := l.count(ctx, bruteIP, 15, func(i int) (string, string) { return "bob", fmt.Sprintf("guess-%d", i) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "brute force on bob from %s: 15 guesses (%d failed)\n", bruteIP, brute[401])
	return nil
}

// atoResponse shows the response: the collector's decisions reach the
// agent's poller, and the attacker's next request is blocked in-process,
// while the office still logs in and an account the campaign tried is
// asked for step-up authentication.
func atoResponse(ctx context.Context, out io.Writer, l *logins) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, err := l.login(ctx, stufferIP, "user9999@example.com", "Winter2024!")
		if err != nil {
			return err
		}
		if code == http.StatusForbidden {
			fmt.Fprintf(out, "  response: %s is now blocked in-process (403 on its next login)\n", stufferIP)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: %s still answered %d after the collector's decisions", stufferIP, code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, err := l.login(ctx, officeIP, "dave", routes.Users["dave"]); err != nil || code != 200 {
		return fmt.Errorf("demo: the office's login answered %d (%v), want 200", code, err)
	}
	fmt.Fprintf(out, "  the office behind %s still logs in (dave: 200): no signal for a NAT of real users\n", officeIP)
	// An account the campaign tried, logging in for real afterwards.
	switch code, err := l.login(ctx, officeIP, "alice", routes.Users["alice"]); {
	case err != nil:
		return err
	case code == http.StatusUnauthorized:
		fmt.Fprintf(out, "  alice, whom the campaign tried, logs in with the right password: step-up authentication required (401)\n")
	default:
		fmt.Fprintf(out, "  alice, whom the campaign tried, logs in with the right password: %d\n", code)
	}
	return nil
}

// logins posts logins to the example application's /login, and counts
// what they were answered.
type logins struct {
	base   string
	client *http.Client
	// attempts are the logins of each IP that reached /login (answered
	// 200 or 401: a login event), refused those refused in-process (403)
	// by a decision; failsSince are each login's failures since its last
	// success.
	attempts, refused, failsSince map[string]int
}

// login posts one login from ip and returns the status code.
func (l *logins) login(ctx context.Context, ip, user, password string) (int, error) {
	body := fmt.Sprintf(`{"login": %q, "password": %q}`, user, password)
	req, _ := http.NewRequestWithContext(ctx, "POST", l.base+"/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	req.Header.Set("User-Agent", "Mozilla/5.0 (demo client)")
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if l.attempts == nil {
		l.attempts, l.refused, l.failsSince = map[string]int{}, map[string]int{}, map[string]int{}
	}
	switch resp.StatusCode {
	case http.StatusOK:
		l.attempts[ip]++
		l.failsSince[user] = 0
	case http.StatusUnauthorized:
		l.attempts[ip]++
		l.failsSince[user]++
	case http.StatusForbidden:
		l.refused[ip]++
	}
	return resp.StatusCode, nil
}

// count posts n logins from ip, the i-th with the login and password of
// user(i), and counts the status codes.
func (l *logins) count(ctx context.Context, ip string, n int, user func(i int) (string, string)) (map[int]int, error) {
	codes := map[int]int{}
	for i := range n {
		u, p := user(i)
		code, err := l.login(ctx, ip, u, p)
		if err != nil {
			return nil, err
		}
		codes[code]++
	}
	return codes, nil
}

// count says n what, plural when n is not 1 ("1 later login", "2 later
// logins"); "more" stays.
func count(n int, what string) string {
	if n != 1 && what != "more" {
		what += "s"
	}
	return fmt.Sprintf("%d %s", n, what)
}
