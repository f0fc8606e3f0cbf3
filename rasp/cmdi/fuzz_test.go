package cmdi

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/rasp/shell"
)

func FuzzCheck(f *testing.F) {
	for _, r := range checkRows {
		f.Add(strings.Join(r.argv, "\x00"), r.input)
	}
	for _, r := range wrapperRows {
		f.Add(strings.Join(r.argv, "\x00"), r.input)
	}
	for _, r := range argvShortRows {
		f.Add(strings.Join(r.argv, "\x00"), r.input)
	}
	f.Fuzz(func(t *testing.T, joined, in string) {
		argv := strings.Split(joined, "\x00")
		fd, got := Check(argv, []string{in})
		fd2, got2 := Check(argv, []string{in})
		if got != got2 || fd != fd2 {
			t.Fatalf("not deterministic")
		}
		if !got {
			if trimSpace(in) != "" && trimSpace(argv[0]) == trimSpace(in) {
				t.Fatalf("program %q not reported", in)
			}
			return
		}
		if fd.Input != in || fd.Reason == "" {
			t.Fatalf("bad finding %+v", fd)
		}
		line := strings.Join(argv, " ")
		script, _ := ShellScript(argv)
		if !strings.Contains(line, trimSpace(in)) && !strings.Contains(script, trimSpace(in)) {
			t.Fatalf("reported an absent input %q", in)
		}
		if len(trimSpace(in)) < 2 && fd.Reason != "input names the program" {
			t.Fatalf("one-byte input %q reported: %s", in, fd.Reason)
		}
		// Appending arguments after "--" does not change the verdict about
		// an input that is absent from them (scripts joined from the
		// arguments aside).
		if c := parse(argv); !c.joined && !c.encoded {
			if _, again := Check(append(argv[:len(argv):len(argv)], "--", "zzzz"), []string{in}); !again && !strings.Contains(in, "zzzz") && !strings.Contains(in, "--") {
				t.Fatalf("verdict changed by trailing data arguments")
			}
		}
	})
}

// FuzzWrappers checks that a script is found, and judged, the same
// whatever options, launchers, white space or encoding wrap its shell.
func FuzzWrappers(f *testing.F) {
	for _, r := range wrapperRows {
		if s, ok := ShellScript(r.argv); ok {
			f.Add(s, r.input)
		}
	}
	f.Add("ls x;id", ";id")
	f.Add("ls x", "x")
	f.Fuzz(func(t *testing.T, s, in string) {
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			return // read as options by the shell, not as a script
		}
		fb, bare := Check([]string{"sh", "-c", s}, []string{in})
		switch fb.Reason {
		case "input names the program", "input became an option", "input spans several arguments":
			bare = false // about the argv around the script, not the script
		}
		wrappers := [][]string{
			{"bash", "-o", "errexit", "-c", s},
			{"bash", "-c", "-i", s},
			{"bash", "-c", "--", s},
			{"bash", "-co", "errexit", s},
			{"bash", "--init-file", "F", "+O", "extglob", "-c", s},
			{"env", "A=1", "sudo", "-u", "x", "timeout", "5", "rksh", "-c", s},
			{" /bin/sh ", "-c", s},
			{"fish", "--command=" + s},
			{"pwsh", "-NoProfile", "-Command", s},
		}
		for _, w := range wrappers {
			if got, ok := ShellScript(w); !ok || got != s {
				t.Fatalf("ShellScript(%q) = %q, %v", w, got, ok)
			}
			if _, wrapped := Check(w, []string{in}); bare && !wrapped {
				t.Fatalf("%q reported in sh -c %q but not in %q", in, s, w)
			}
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			return
		}
		enc := []string{"pwsh", "-EncodedCommand", encodePS(s)}
		if got, ok := ShellScript(enc); !ok || got != s {
			t.Fatalf("ShellScript(%q) = %q, %v", enc, got, ok)
		}
		if _, clear := shell.Check(s, []string{in}); clear {
			if _, encoded := Check(enc, []string{in}); !encoded {
				t.Fatalf("%q reported in %q but not in its encoded form", in, s)
			}
		}
	})
}
