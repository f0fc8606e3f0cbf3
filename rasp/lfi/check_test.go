package lfi

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

var rows = []struct {
	name    string
	path    string
	input   string
	exploit bool
}{
	{"plain name", "/var/www/uploads/report.pdf", "report.pdf", false},
	{"sub dir", "/var/www/uploads/2024/q3/summary.csv", "2024/q3/summary.csv", false},
	{"dots in name", "/var/www/uploads/a..b.txt", "a..b.txt", false},
	{"dots stay", "/var/www/uploads/2024/../report.pdf", "2024/../report.pdf", false},
	{"four dots", "/var/www/uploads/....//....//etc/passwd", "....//....//etc/passwd", false},
	{"dotdot prefix name", "/srv/app/locales/..data/messages.json", "..data", false},
	{"relative etc passwd", "/var/www/uploads/etc/passwd", "etc/passwd", false},
	{"traversal", "/var/www/uploads/../../etc/passwd", "../../etc/passwd", true},
	{"traversal suffix", "/srv/app/templates/../../../etc/hosts.html", "../../../etc/hosts", true},
	{"traversal after dir", "/var/www/uploads/a/b/../../../etc/passwd", "a/b/../../../etc/passwd", true},
	{"traversal dot slashes", "/var/www/uploads/.//..//boot.ini", ".//..//boot.ini", true},
	{"encoded", "/var/www/uploads/%2e%2e%2f%2e%2e%2fetc/passwd", "%2e%2e%2f%2e%2e%2fetc/passwd", true},
	{"double encoded", "/var/www/uploads/%252e%252e%252fetc/passwd", "%252e%252e%252fetc/passwd", true},
	{"overlong", "/var/www/uploads/%c0%ae%c0%ae%c0%afetc/passwd", "%c0%ae%c0%ae%c0%afetc/passwd", true},
	{"semicolon name", "/var/www/uploads/..;/..;/etc/passwd", "..;/..;/etc/passwd", false},
	{"windows backslash", `C:\inetpub\wwwroot\uploads\..\..\..\Windows\win.ini`, `..\..\..\Windows\win.ini`, true},
	{"windows stays", `D:\data\reports\sub\..\report.pdf`, `sub\..\report`, false},
	{"mid segment start", "/var/www/uploads/avatar_../../x.png", "../../x", false},
	{"absolute posix", "/etc/passwd", "/etc/passwd", true},
	{"absolute windows", `C:\Windows\win.ini`, `C:\Windows\win.ini`, true},
	{"absolute unc", `\\server\share\x`, `\\server\share\x`, true},
	{"absolute other", "/tmp/other.txt", "/tmp/other.txt", true},
	{"app climbs itself", "/var/www/uploads/hello/../../x", "hello", false},
	{"absent", "/var/www/uploads/x", "../../y", false},
	{"short", "/var/www/uploads/../x", "..", true},
}

func TestCheckRows(t *testing.T) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			f, ok := Check(r.path, []string{"unrelated-value", r.input})
			if ok != r.exploit {
				t.Fatalf("Check(%q, %q) = %v %+v, want %v", r.path, r.input, ok, f, r.exploit)
			}
			if ok && (f.Input != r.input || f.Reason == "") {
				t.Fatalf("finding %+v", f)
			}
		})
	}
}

// TestCorpus holds the checker to floors measured on the shared corpus
// (regression checks): recall 100%, no false positive.
func TestCorpus(t *testing.T) {
	corpus.RASPRecall(t, "file", corpus.RASPFloors{Recall: 1, MaxFP: 0}, func(c corpus.RASPCase) (bool, string) {
		f, ok := Check(c.Resource, []string{c.Input})
		return ok, f.Reason
	})
}

func TestNoAllocWhenAbsent(t *testing.T) {
	p := "/var/www/uploads/avatars/u42.png"
	in := []string{"alice@example.com", "some search text", "../../etc/passwd"}
	if n := testing.AllocsPerRun(100, func() { Check(p, in) }); n != 0 {
		t.Fatalf("allocs = %v", n)
	}
}

func BenchmarkCheckAbsent(b *testing.B) {
	p := "/var/www/uploads/" + strings.Repeat("a", 1000) + ".png"
	in := []string{"alice@example.com", "some search text", "../../etc/passwd", "session-token-123"}
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Check(p, in)
	}
}

func BenchmarkCheckTraversal(b *testing.B) {
	p := "/var/www/uploads/x/../" + strings.Repeat("d/", 500) + "f.png"
	in := []string{"x/../d/d"}
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Check(p, in)
	}
}
