package operator

import (
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart/waf/literal"
)

// phraseMatch matches a string (or map key) that contains one of the
// phrases in "list". As in libddwaf, the comparison is case-sensitive:
// rules lowercase the value with a transformer and list lowercase phrases.
//
// With options {"enforce_word_boundary": true} an occurrence counts only
// when it does not cut a word: at each end of the phrase, either the
// phrase's own edge character or the neighbouring input byte (or the edge
// of the input) is not a word character [A-Za-z0-9_]. So "banana" matches
// in "a banana;" but not in "bananas", and "$apple" matches in "s$apple".
// Every occurrence is tried, not only the first.
//
// The highlight is the phrase found.
//
// The automaton over the phrases is built on first use (see Lazy), unless
// it is in the table of known matchers (the default ruleset's): a long
// list (Datadog's file names, thousands of phrases) costs more to build
// than the rest of its rule, and most values never reach it, the engine's
// prefilter having found none of the phrases in them.
type phraseMatch struct {
	phrases  []string
	lower    []string
	boundary bool
	lits     []string
	// once builds m; built is set once it is.
	once  sync.Once
	m     *literal.Matcher
	built atomic.Bool
}

var (
	_ Operator    = (*phraseMatch)(nil)
	_ Prefiltered = (*phraseMatch)(nil)
	_ Lazy        = (*phraseMatch)(nil)
)

func init() { register("phrase_match", newPhraseMatch) }

type phraseOptions struct {
	EnforceWordBoundary bool `json:"enforce_word_boundary"`
}

func newPhraseMatch(p Params) (Operator, error) {
	var list []string
	if err := p.Decode("list", &list); err != nil {
		return nil, err
	}
	var opt phraseOptions
	if p.Has("options") {
		if err := p.Decode("options", &opt); err != nil {
			return nil, err
		}
	}
	o := &phraseMatch{boundary: opt.EnforceWordBoundary}
	lower := make([]string, 0, len(list))
	for _, s := range list {
		if s == "" {
			continue // matches nothing useful; libddwaf ignores it too
		}
		o.phrases = append(o.phrases, s)
		lower = append(lower, asciiLower(s))
	}
	o.lower = lower
	if m := literal.Prebuilt(lower); m != nil {
		o.once.Do(func() { o.m = m })
		o.built.Store(true)
	}
	o.lits = lower
	for _, s := range lower {
		if len(s) < 2 {
			o.lits = nil
			break
		}
	}
	return o, nil
}

// StringsOnly marks the operator as one that only matches strings and
// keys: the engine does not run it on numbers and booleans.
func (o *phraseMatch) StringsOnly() {}

// Eval implements Operator.
func (o *phraseMatch) Eval(v Value) (string, bool) {
	if v.Kind != String && v.Kind != Key {
		return "", false
	}
	s := v.Bytes
	found := -1
	o.matcher().Scan(s, func(id, end int) bool {
		p := o.phrases[id]
		start := end - len(p)
		if string(s[start:end]) != p {
			return true // the automaton folds case; phrases do not
		}
		if o.boundary && !(edgeOK(p[0], s, start-1) && edgeOK(p[len(p)-1], s, end)) {
			return true
		}
		found = id
		return false
	})
	if found < 0 {
		return "", false
	}
	return o.phrases[found], true
}

// matcher returns the automaton over the phrases, building it on first
// use.
func (o *phraseMatch) matcher() *literal.Matcher {
	o.once.Do(func() {
		o.m = literal.NewMatcher(o.lower)
		o.built.Store(true)
	})
	return o.m
}

// Pending implements Lazy: the automaton is built by the first
// evaluation.
func (o *phraseMatch) Pending() BuildState {
	if o.built.Load() {
		return Built
	}
	return BuildNext
}

// Build implements Lazy: it builds the automaton.
func (o *phraseMatch) Build() { o.matcher() }

// BuildAll implements Lazy: it builds the automaton.
func (o *phraseMatch) BuildAll() { o.matcher() }

// edgeOK reports whether a phrase whose edge character is c may sit next to
// s[i] (i out of range: the input's edge) without cutting a word.
func edgeOK(c byte, s []byte, i int) bool {
	return !isWordByte(c) || i < 0 || i >= len(s) || !isWordByte(s[i])
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// RequiredLiterals implements Prefiltered: the phrases themselves.
func (o *phraseMatch) RequiredLiterals() []string { return o.lits }

// asciiLower folds ASCII letters only, as package literal does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
