package lambdaguard_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/lambdatest"
	"github.com/rampartsec/rampart/internal/prereq"
)

// quarterCPU creates a cpu cgroup limited to a quarter of a vCPU (25 ms of
// CPU time every 100 ms, as a small Lambda function gets) and returns the
// file a process writes its pid to in order to join it, and the same file
// of the test process's own cgroup, to go back to. The cgroup is removed
// when the test ends. Without the permission or the controller the test
// is skipped (failed when tools are required).
func quarterCPU(t *testing.T) (procs, back string) {
	t.Helper()
	name := fmt.Sprintf("rampart-test-%d", os.Getpid())
	// cgroup v2: the cpu controller enabled for the root's children.
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control"); err == nil {
		if !strings.Contains(string(b), "cpu") {
			_ = os.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", []byte("+cpu"), 0)
		}
		dir := filepath.Join("/sys/fs/cgroup", name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			prereq.Missing(t, "cgroup v2: %v", err)
		}
		t.Cleanup(func() { removeCgroup(t, dir) })
		if err := os.WriteFile(filepath.Join(dir, "cpu.max"), []byte("25000 100000"), 0); err != nil {
			prereq.Missing(t, "cgroup v2 cpu.max: %v", err)
		}
		return filepath.Join(dir, "cgroup.procs"), filepath.Join("/sys/fs/cgroup", ownCgroup(""), "cgroup.procs")
	}
	// cgroup v1: the cpu hierarchy's CFS quota.
	root := "/sys/fs/cgroup/cpu"
	if _, err := os.Stat(filepath.Join(root, "cpu.cfs_quota_us")); err != nil {
		prereq.Missing(t, "no cpu cgroup (v2 or v1) to limit the function to a quarter of a vCPU")
	}
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		prereq.Missing(t, "cgroup v1: %v", err)
	}
	t.Cleanup(func() { removeCgroup(t, dir) })
	if err := os.WriteFile(filepath.Join(dir, "cpu.cfs_period_us"), []byte("100000"), 0); err != nil {
		prereq.Missing(t, "cgroup v1 cpu.cfs_period_us: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cpu.cfs_quota_us"), []byte("25000"), 0); err != nil {
		prereq.Missing(t, "cgroup v1 cpu.cfs_quota_us: %v", err)
	}
	return filepath.Join(dir, "cgroup.procs"), filepath.Join(root, ownCgroup("cpu"), "cgroup.procs")
}

// ownCgroup returns the test process's cgroup in the hierarchy of
// controller (cgroup v1), or in the unified hierarchy ("").
func ownCgroup(controller string) string {
	b, _ := os.ReadFile("/proc/self/cgroup")
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if controller == "" && parts[0] == "0" && parts[1] == "" || controller != "" && slices.Contains(strings.Split(parts[1], ","), controller) {
			return parts[2]
		}
	}
	return "/"
}

// reportRE finds the emulator's init and invocation durations.
var reportRE = regexp.MustCompile(`(?s)INIT REPORT\(durationMs: ([0-9.]+)\).*?INVOKE RTDONE\(.*?duration: ([0-9.]+)ms\)`)

// join moves the test process into the cgroup whose cgroup.procs is
// procs, until the test ends (it goes back to back).
func join(t *testing.T, procs, back string) {
	t.Helper()
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(procs, pid, 0); err != nil {
		t.Fatalf("joining the cgroup: %v", err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(back, pid, 0); err != nil {
			t.Errorf("leaving the cgroup: %v", err)
		}
	})
}

// removeCgroup removes a cgroup once the processes in it are gone.
func removeCgroup(t *testing.T, dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.Remove(dir)
		if err == nil || os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("removing cgroup %s: %v", dir, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFirstRequestQuarterCPU starts a fresh function process ten times
// under the emulator, each limited to a quarter of a vCPU, with the default
// time budget (no RAMPART_TIMEOUT), and sends an attack in a JSON body as
// its very first request: every one must be blocked, with its event, and
// none may run out of budget.
func TestFirstRequestQuarterCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	procs, back := quarterCPU(t)
	fn := lambdatest.Build(t, t.TempDir(), "./testdata/fn")
	// The emulator runs in the cgroup with the function, as Lambda's
	// runtime runs in the function's sandbox: the test process joins it
	// to start them (they inherit it), and leaves it when done.
	join(t, procs, back)
	payload, err := os.ReadFile(filepath.Join("testdata", "events", "apigw-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	attack := setJSON(t, payload, func(m map[string]any) {
		m["routeKey"] = "POST /comments"
		m["rawPath"] = "/comments"
		m["rawQueryString"] = "name=alice"
		m["queryStringParameters"] = map[string]any{"name": "alice"}
		m["headers"].(map[string]any)["content-type"] = "application/json"
		m["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = "POST"
		m["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = "/comments"
		// An ordinary order of a shop's API, the attack in one of its
		// fields.
		m["body"] = `{"order":{"id":"ord_20261203_1042","currency":"EUR","items":[` +
			`{"sku":"SHOE-RUN-42-BLU","name":"Running shoes, blue (size 42)","quantity":1,"price":89.9},` +
			`{"sku":"SOCK-3P-M","name":"Sport socks - pack of 3","quantity":2,"price":9.5}],` +
			`"customer":{"first_name":"Alice","last_name":"Martin","email":"alice.martin@example.com","phone":"+33 6 12 34 56 78"},` +
			`"shipping":{"method":"express","address":"12 rue de la Paix, Apt. 4","city":"Paris","zip":"75002","country":"FR"},` +
			`"billing":{"same_as_shipping":true},` +
			`"note":"Please leave the parcel with the concierge if I am not at home; call me before delivery, thanks!",` +
			`"gift_message":"` + strings.ReplaceAll(xss, `"`, `\"`) + `",` +
			`"coupon":"WINTER-10","newsletter":false,"source":"mobile-app/3.14.1 (iOS 18.1)"}}`
	})
	const starts = 10
	blocked := 0
	var inits, firsts []float64
	for i := range starts {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			em := lambdatest.Start(t, fn, "FN_EVENT=v2", "RAMPART_ENABLED=true", "RAMPART_MODE=block", "RAMPART_EXTENSION_ADDR=off")
			r := invoke(t, em, attack)
			em.Stop()
			if m := reportRE.FindStringSubmatch(em.Output()); m != nil {
				init, _ := strconv.ParseFloat(m[1], 64)
				first, _ := strconv.ParseFloat(m[2], 64)
				inits, firsts = append(inits, init), append(firsts, first)
			}
			var ev *event.Event
			for _, e := range emittedEvents(t, em.Output()) {
				if e.Type == event.TypeAttack || e.Type == event.TypeRequest {
					ev = &e
				}
			}
			switch {
			case r.StatusCode != 403:
				b, _ := json.Marshal(ev)
				t.Errorf("the first request of a fresh process was answered %d, want 403; event %s", r.StatusCode, b)
			case ev == nil || ev.Type != event.TypeAttack || !ev.Blocked || !ev.ColdStart:
				t.Errorf("blocked, but the event is %+v", ev)
			case ev.TimedOut:
				t.Errorf("blocked, but the time budget ran out: %+v", ev)
			default:
				blocked++
			}
		})
	}
	median := func(xs []float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	t.Logf("%d of %d fresh starts at a quarter of a vCPU blocked the attack of their first request (init phase: median %.1f ms, max %.1f; first invocation: median %.1f ms, max %.1f)",
		blocked, starts, median(inits), slices.Max(append(inits, 0)), median(firsts), slices.Max(append(firsts, 0)))
}
