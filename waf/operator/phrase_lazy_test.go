package operator

import (
	"encoding/json"
	"sync"
	"testing"
)

// TestPhraseMatchLazy: a phrase list that is not in the table of known
// matchers builds its automaton on first use (Pending says so until then),
// concurrent first evaluations agree, and Build leaves nothing to build.
func TestPhraseMatchLazy(t *testing.T) {
	list, _ := json.Marshal([]string{"/etc/passwd", "boot.ini", "web.config", "id_rsa", ".htaccess"})
	newOp := func() *phraseMatch {
		f, _ := Lookup("phrase_match")
		op, err := f(Params{Raw: map[string]json.RawMessage{"list": list}})
		if err != nil {
			t.Fatal(err)
		}
		return op.(*phraseMatch)
	}
	o := newOp()
	if o.Pending() != BuildNext {
		t.Fatalf("Pending = %v before the first evaluation, want BuildNext", o.Pending())
	}
	values := map[string]string{"cat /etc/passwd": "/etc/passwd", "GET /a/.htaccess": ".htaccess", "hello": "", "web.conf": ""}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v, want := range values {
				hl, ok := o.Eval(Value{Kind: String, Bytes: []byte(v)})
				if ok != (want != "") || hl != want {
					t.Errorf("Eval(%q) = %q, %v; want %q", v, hl, ok, want)
				}
			}
		}()
	}
	wg.Wait()
	if o.Pending() != Built {
		t.Fatalf("Pending = %v after evaluations, want Built", o.Pending())
	}
	b := newOp()
	b.Build()
	if b.Pending() != Built || b.m == nil {
		t.Fatal("Build left the automaton to build")
	}
}
