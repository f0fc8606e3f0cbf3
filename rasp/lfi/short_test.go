package lfi

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// pairs are exploit/benign pairs of the same shape, most of them short
// inputs decided by the structure of the path, not by their length.
var pairs = []struct {
	name         string
	exploit, eIn string
	benign, bIn  string
}{
	{"dot dot", "/var/www/uploads/../x", "..", "/var/www/uploads/../x", "."},
	{"dot dot of the application", "/var/www/uploads/../x", "..", "/srv/app/bin/../lib/x.so", "./"},
	{"dot dot in a name", "/var/www/uploads/../x", "..", "/var/www/uploads/a..b", ".."},
	{"dot dot slash first", "../etc/passwd", "../", "./etc/passwd", "./"},
	{"dot dot slash under a base", "/var/www/uploads/../etc/passwd", "../", "/var/www/uploads/./etc/passwd", "./"},
	{"dot dot backslash", `C:\app\files\..\win.ini`, `..\`, `C:\app\files\.\win.ini`, `.\`},
	{"dot dot encoded", "/var/www/uploads/%2e%2e/x", "%2e%2e", "/var/www/uploads/%2e/x", "%2e"},
	{"dot dot at the end", "/var/www/uploads/a/../..", "a/../..", "/var/www/uploads/a/..", "a/.."},
	{"root alone", "/", "/", "/var/www/uploads/x", "/"},
	{"double slash", "//", "//", "//var/www/x", "//"},
	{"root dot", "/./", "/./", "/./var/www/x", "/./"},
	{"short absolute name", "/a/b", "/a", "/app/b", "/a"},
	{"short absolute with separator", "/a/b", "/a/", "/ab/c", "/a"},
	{"short absolute file", "/ab", "/ab", "/abc", "/ab"},
	{"drive letter", `C:\W\x`, `C:\W`, `C:\Windows\win.ini`, `C:`},
	{"drive root", `C:\`, `C:\`, `C:\inetpub\wwwroot\x`, `C:\`},
	{"unc prefix", `\\server\share\x`, `\\server\share\x`, `\\server\share\x`, `\\`},
	{"home", "~/.ssh/id_rsa", "~", "/var/www/uploads/~/x", "~"},
	{"home alone", "~", "~", "~$report.docx", "~"},
	{"home of a user", "~root/.ssh/authorized_keys", "~root", "~draft.txt", "~draft.txt"},
	{"home of a user, partly the application's", "~root/.ssh/authorized_keys", "~root/", "~root/.ssh/authorized_keys", "~ro"},
	{"long absolute with the application's suffix", "/flag.txt", "/flag", "/var/www/uploads/flag.txt", "flag"},
}

func TestCheckPairs(t *testing.T) {
	for _, p := range pairs {
		if f, ok := Check(p.exploit, []string{p.eIn}); !ok || f.Input != p.eIn || f.Reason == "" {
			t.Errorf("%s: %q in %q not reported (%+v)", p.name, p.eIn, p.exploit, f)
		}
		if f, ok := Check(p.benign, []string{p.bIn}); ok {
			t.Errorf("%s: %q in %q reported: %s", p.name, p.bIn, p.benign, f.Reason)
		}
	}
}

// TestCheckShortCoincidences takes the paths of the corpus's benign cases
// as what applications open, and every 1–3 byte string of each as an
// input that a request happens to hold: none may be reported, except
// those holding "..", which climbs wherever it is found.
func TestCheckShortCoincidences(t *testing.T) {
	seen := map[string]bool{}
	n, fp := 0, 0
	for _, c := range corpus.RASP(t, "file") {
		if c.Label != "benign" || seen[c.Resource] {
			continue
		}
		seen[c.Resource] = true
		p := c.Resource
		for k := 1; k <= 3; k++ {
			for a := 0; a+k <= len(p); a++ {
				in := p[a : a+k]
				n++
				if f, ok := Check(p, []string{in}); ok && !strings.Contains(in, "..") {
					fp++
					if fp <= 20 {
						t.Errorf("%s: short input %q reported in %q: %s", c.ID, in, p, f.Reason)
					}
				}
			}
		}
	}
	t.Logf("%d paths, %d short inputs, %d reported", len(seen), n, fp)
}

// BenchmarkCheckWorstShort measures the worst a request can force with
// short inputs: one-byte strings that occur at every other offset of a
// 4 KB path (a long name of dots and letters), and their two-byte forms.
func BenchmarkCheckWorstShort(b *testing.B) {
	p := "/var/www/uploads/" + strings.Repeat("a.", 2000) + "/x"
	in := []string{".", "a", "a.", ".a", "/", "%"}
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if f, ok := Check(p, in); ok {
			b.Fatalf("finding %+v", f)
		}
	}
}

// BenchmarkCheckWorstDots measures inputs holding ".." that occur at every
// third offset of one 4 KB segment ("a..a..a.."): each occurrence is judged
// within the input, not over the segment.
func BenchmarkCheckWorstDots(b *testing.B) {
	p := "/var/www/uploads/" + strings.Repeat("a..", 1300) + "/x"
	in := []string{"..", "a..", "..a", ".a..", strings.Repeat("a..", 100)}
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if f, ok := Check(p, in); ok {
			b.Fatalf("finding %+v", f)
		}
	}
}
