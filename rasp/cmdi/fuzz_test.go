package cmdi

import (
	"strings"
	"testing"
)

func FuzzCheck(f *testing.F) {
	for _, r := range checkRows {
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
			if len(in) >= MinInput && argv[0] == in {
				t.Fatalf("program %q not reported", in)
			}
			return
		}
		if fd.Input != in || fd.Reason == "" || len(in) < MinInput {
			t.Fatalf("bad finding %+v", fd)
		}
		if !strings.Contains(joined, in) && !strings.Contains(strings.Join(argv, " "), in) {
			t.Fatalf("reported an absent input %q", in)
		}
		// Appending arguments after "--" does not change the verdict about
		// an input that is absent from them.
		if _, again := Check(append(argv[:len(argv):len(argv)], "--", "zzzz"), []string{in}); !again && !strings.Contains(in, "zzzz") {
			t.Fatalf("verdict changed by trailing data arguments")
		}
	})
}
