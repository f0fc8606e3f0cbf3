package shell

import (
	"slices"
	"strings"
	"sync"
)

// Finding describes an input that changed the structure of a command line.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how the input changed the command line, e.g.
	// "input adds a command separator".
	Reason string
}

// line is a tokenized command line, with prefix counts over its tokens
// built when an occurrence covers many tokens.
type line struct {
	s    string
	toks []Token
	// bad[i] counts the tokens among toks[:i] that an input may not cover
	// whole (all but Text, quotes and Words without a brace list); q[i] is
	// the quotes opened minus those closed among toks[:i].
	bad, q []int32
	built  bool
	open   int8 // the last quoted string is unterminated: 1 yes, 0 no, -1 unknown
	fail   []int32
	// sub is the line of the substitution token subAt, tokenized when an
	// occurrence first falls strictly inside it.
	sub   *line
	subAt int
	// here is the index of the first here-document operator (<< or <<-)
	// among toks, len(toks) when none, -1 before it is looked for.
	here int
}

func (l *line) heredoc() int {
	if l.here < 0 {
		l.here = len(l.toks)
		for i, t := range l.toks {
			if t.Kind == Redirect {
				op := strings.TrimLeft(l.s[t.Start:t.End], "0123456789")
				if op == "<<" || op == "<<-" {
					l.here = i
					break
				}
			}
		}
	}
	return l.here
}

// next returns the first occurrence of s in l.s at or after off, or -1.
// Past the first occurrence of a long input it runs Knuth-Morris-Pratt
// from where the last match left off, so that the occurrences of a
// periodic input in a periodic line cost O(len(line) + len(s)) in all,
// not O(len(line)) each.
type matcher struct {
	l            *line
	s            string
	kmp          bool
	pos, matched int // the text position scanned next and the bytes of s matched before it
}

func (m *matcher) next(off int) int {
	text, s := m.l.s, m.s
	if !m.kmp {
		if off > len(text)-len(s) {
			return -1
		}
		i := strings.Index(text[off:], s)
		if i < 0 {
			return -1
		}
		if len(s) <= 64 {
			return off + i
		}
		// Long input: later occurrences are found by KMP.
		m.kmp = true
		f := kmpTable(m.l.fail[:0], s)
		m.l.fail = f
		m.pos, m.matched = off+i+len(s), int(f[len(s)-1])
		return off + i
	}
	f := m.l.fail
	if off > m.pos-m.matched { // skip ahead: restart the automaton at off
		m.pos, m.matched = off, 0
	}
	for m.pos < len(text) {
		c := text[m.pos]
		for m.matched > 0 && c != s[m.matched] {
			m.matched = int(f[m.matched-1])
		}
		if c == s[m.matched] {
			m.matched++
		}
		m.pos++
		if m.matched == len(s) {
			m.matched = int(f[len(s)-1])
			if start := m.pos - len(s); start >= off {
				return start
			}
		}
	}
	return -1
}

var linePool = sync.Pool{New: func() any { return &line{toks: make([]Token, 0, 64)} }}

func (l *line) reset(s string) {
	l.s, l.toks, l.built, l.open, l.sub, l.here = s, Tokenize(s, l.toks[:0]), false, -1, nil, -1
}

func newLine(s string) *line {
	l := &line{}
	l.reset(s)
	return l
}

// skipTo returns where to look for the next occurrence of an input after
// the benign occurrence [a, b): past every later occurrence that would lie
// in the same word, quoted text or comment, whose verdict is the same.
func (l *line) skipTo(a, b int) int {
	i := firstToken(l.toks, a)
	if i < len(l.toks) {
		t := l.toks[i]
		if t.Kind == Text && l.sub != nil && l.subAt == i && t.Start <= a && b <= t.End {
			return max(a+1, t.Start+l.sub.skipTo(a-t.Start, b-t.Start))
		}
		if t.Start <= a && b <= t.End && (t.Kind == Word || t.Kind == Text && !l.nested(i) || t.Kind == Comment && a > t.Start && i < l.heredoc()) {
			return max(a+1, t.End-(b-a)+1)
		}
		if t.Kind == Subst && l.sub != nil && l.subAt == i {
			if inner, shift, ok := substBody(l.s, t); ok && a >= shift && b <= shift+len(inner) {
				return max(a+1, shift+l.sub.skipTo(a-shift, b-shift))
			}
		}
	}
	return a + 1
}

// Check reports whether one of inputs changed the structure of the POSIX
// shell command line command: the command-injection test of the RASP.
//
// Each input is looked for in command (every occurrence); an input with
// blanks or newlines at its ends that does not occur as is is looked for
// without them. An occurrence, blanks at its ends ignored, is judged by the
// tokens it covers: it is benign when it stays inside one word (word text,
// quoted text, quotes, the fd number of a redirection, part of a parameter
// name, a number inside $((...)), text strictly inside the application's
// own # comment) and does not end with a backslash escaping the byte after
// it. It is reported when it spans blanks, adds an operator, redirection,
// newline, comment, substitution, parameter or {a,b} brace expansion,
// leaves a quoted string open to the end of the line, or touches malformed
// text. An occurrence strictly inside a $(...), `...` or process
// substitution written by the application, or inside the quoted script of
// a shell the line runs (sh -c '...'), is judged against that inner
// command line. See the package documentation for the details.
//
// An occurrence of a single byte (blanks aside) is never reported: one byte
// can be a separator or a command but not both, and a lone ';', '|', '#' or
// quote is indistinguishable from the application's own. Two bytes are
// enough (";w", "&&", "$(", "x'"). When no input occurs in command, Check
// does not allocate.
func Check(command string, inputs []string) (Finding, bool) {
	var l *line
	defer func() {
		if l != nil {
			linePool.Put(l)
		}
	}()
	for _, in := range inputs {
		s := Occurring(command, in)
		if len(trimBlanks(s)) < 2 {
			continue
		}
		if !strings.Contains(command, s) {
			continue
		}
		if l == nil {
			l = linePool.Get().(*line)
			l.reset(command)
		}
		m := matcher{l: l, s: s}
		for off := 0; ; {
			a := m.next(off)
			if a < 0 {
				break
			}
			if reason := l.judge(a, a+len(s), 0); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
			off = l.skipTo(a, a+len(s))
		}
	}
	return Finding{}, false
}

// CheckArgs is Check for a command line given as a list of words, which the
// shell runs joined by single spaces (a spawn with a shell, a ruleset's
// list-valued server.sys.shell.cmd). The joined line is judged as Check
// does, and an occurrence that spans the boundary between two elements is
// reported too: the application wrote them as separate words, so an input
// that covers the space between them added a word. When no input occurs in
// the joined line, CheckArgs does not allocate.
func CheckArgs(args []string, inputs []string) (Finding, bool) {
	var l *line
	var bounds []int
	for _, in := range inputs {
		s := in
		if !OccursJoined(args, s) {
			if t := trimSpace(s); t != s && OccursJoined(args, t) {
				s = t
			} else {
				continue
			}
		}
		if len(trimBlanks(s)) < 2 {
			continue
		}
		if l == nil {
			l = newLine(strings.Join(args, " "))
			bounds = boundaries(args)
		}
		m := matcher{l: l, s: s}
		for off := 0; ; {
			a := m.next(off)
			if a < 0 {
				break
			}
			b := a + len(s)
			if crossesBoundary(bounds, l.s, a, b) {
				return Finding{Input: in, Reason: "input spans several arguments"}, true
			}
			if reason := l.judge(a, b, 0); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
			off = a + 1
			if t := l.toks[firstToken(l.toks, a)]; !crossesBoundary(bounds, l.s, t.Start, t.End) {
				off = l.skipTo(a, b)
			}
		}
	}
	return Finding{}, false
}

// CheckRange judges the span [start, end) of command as if an input
// occupied it, by the rules of Check, and returns why it changes the
// structure of command ("" when it does not). It serves callers that know
// which bytes a request controlled without the input occurring as is (the
// decoded part of an encoded script).
func CheckRange(command string, start, end int) string {
	if start < 0 || end > len(command) || start >= end {
		return ""
	}
	l := linePool.Get().(*line)
	defer linePool.Put(l)
	l.reset(command)
	return l.judge(start, end, 0)
}

// Occurring returns the form of input in that occurs in s: in itself, or in
// without the blanks and newlines at its ends, or "" when neither occurs.
func Occurring(s, in string) string {
	if len(in) == 0 {
		return ""
	}
	if len(in) <= len(s) && strings.Contains(s, in) {
		return in
	}
	if t := trimSpace(in); t != in && t != "" && strings.Contains(s, t) {
		return t
	}
	return ""
}

// OccursJoined reports whether s occurs in the elements of args joined by
// single spaces, without joining them.
func OccursJoined(args []string, s string) bool {
	if s == "" {
		return false
	}
	for _, a := range args {
		if strings.Contains(a, s) {
			return true
		}
	}
	return SpansJoined(args, s)
}

// SpansJoined reports whether s occurs in the elements of args joined by
// single spaces across the space between two elements. It streams the
// joined bytes through a Knuth-Morris-Pratt matcher of s without joining
// them (the matcher's table on the stack for inputs up to 128 bytes), so
// the cost is O(len(joined) + len(s)).
func SpansJoined(args []string, s string) bool {
	if len(args) < 2 || strings.IndexByte(s, ' ') < 0 {
		return false
	}
	if !spanCandidate(args, s) {
		return false
	}
	var stack [64]int32
	f := stack[:0]
	if len(s) > len(stack) {
		f = make([]int32, 0, len(s))
	}
	f = kmpTable(f, s)
	pos, m, bound := 0, 0, -1
	for i, a := range args {
		for j := -1; j < len(a); j++ {
			var c byte
			if j < 0 {
				if i == 0 {
					continue
				}
				c, bound = ' ', pos // the joining space
			} else {
				c = a[j]
			}
			for m > 0 && c != s[m] {
				m = int(f[m-1])
			}
			if c == s[m] {
				m++
			}
			pos++
			if m == len(s) {
				if bound >= pos-len(s) {
					return true
				}
				m = int(f[m-1])
			}
		}
	}
	return false
}

// spanCandidate is a quick necessary test for SpansJoined: some space of
// s must fall on a joining space, with the run of s before it a suffix of
// the element before and the run after it a prefix of the element after.
// Past a budget of checks it answers true (KMP decides).
func spanCandidate(args []string, s string) bool {
	budget := 512
	for p := strings.IndexByte(s, ' '); p >= 0; {
		before := s[:p]
		if k := strings.LastIndexByte(before, ' '); k >= 0 {
			before = before[k+1:]
		}
		after := s[p+1:]
		if k := strings.IndexByte(after, ' '); k >= 0 {
			after = after[:k]
		}
		for i := 0; i+1 < len(args); i++ {
			if budget--; budget < 0 {
				return true
			}
			if strings.HasSuffix(args[i], before) && strings.HasPrefix(args[i+1], after) {
				return true
			}
		}
		q := strings.IndexByte(s[p+1:], ' ')
		if q < 0 {
			break
		}
		p += 1 + q
	}
	return false
}

// kmpTable appends the Knuth-Morris-Pratt failure function of s to f.
func kmpTable(f []int32, s string) []int32 {
	f = append(f, 0)
	for q, k := 1, 0; q < len(s); q++ {
		for k > 0 && s[q] != s[k] {
			k = int(f[k-1])
		}
		if s[q] == s[k] {
			k++
		}
		f = append(f, int32(k))
	}
	return f
}

// boundaries returns the offsets of the joining spaces of args joined by
// single spaces.
func boundaries(args []string) []int {
	b := make([]int, 0, max(0, len(args)-1))
	p := 0
	for i := 0; i+1 < len(args); i++ {
		p += len(args[i])
		b = append(b, p)
		p++
	}
	return b
}

// crossesBoundary reports whether the occurrence [a, b) of line, blanks at
// its ends ignored, covers one of the joining spaces bounds.
func crossesBoundary(bounds []int, line string, a, b int) bool {
	for a < b && isBlank(line[a]) {
		a++
	}
	for b > a && isBlank(line[b-1]) {
		b--
	}
	i, _ := slices.BinarySearch(bounds, a)
	return i < len(bounds) && bounds[i] < b
}

func trimBlanks(s string) string {
	for len(s) > 0 && isBlank(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func trimSpace(s string) string {
	for len(s) > 0 && (isBlank(s[0]) || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (isBlank(s[len(s)-1]) || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

// firstToken returns the index of the first token of toks ending after a.
func firstToken(toks []Token, a int) int {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if toks[m].End <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// judge returns why the occurrence [a, b) of an input changes the structure
// of the line, or "" when it does not. It costs the tokens at the ends of
// the occurrence and, when it covers many, a look at the prefix counts.
func (l *line) judge(a, b, depth int) string {
	s, toks := l.s, l.toks
	for a < b && isBlank(s[a]) {
		a++
	}
	for b > a && isBlank(s[b-1]) {
		b--
	}
	if b-a < 2 || len(toks) == 0 {
		return ""
	}
	quotes := 0
	i, j := firstToken(toks, a), firstToken(toks, b-1)
	if j-i > 4 {
		if r, done := l.cover(i, a, b, depth, &quotes); done {
			return r
		}
		l.prefix()
		if l.bad[j] > l.bad[i+1] {
			for k := i + 1; k < j; k++ {
				if r, done := l.cover(k, a, b, depth, &quotes); done {
					return r
				}
			}
		} else {
			quotes += int(l.q[j] - l.q[i+1])
		}
		if r, done := l.cover(j, a, b, depth, &quotes); done {
			return r
		}
	} else {
		for k := i; k <= j && k < len(toks); k++ {
			if r, done := l.cover(k, a, b, depth, &quotes); done {
				return r
			}
		}
	}
	if quotes != 0 && toks[len(toks)-1].Kind != QuoteClose && l.unterminated() {
		return "input leaves a quoted string open"
	}
	// A backslash at the end escapes the application's next byte.
	n := 0
	for k := b - 1; k >= a && s[k] == '\\'; k-- {
		n++
	}
	if n%2 == 1 && b < len(s) && !inSingleQuotes(s, toks, b-1) {
		return "input ends with a backslash escaping the next byte"
	}
	return ""
}

// prefix builds the prefix counts bad and q.
func (l *line) prefix() {
	if l.built {
		return
	}
	l.built = true
	l.bad, l.q = append(l.bad[:0], 0), append(l.q[:0], 0)
	for _, t := range l.toks {
		b, q := l.bad[len(l.bad)-1], l.q[len(l.q)-1]
		switch t.Kind {
		case Text:
		case Word:
			if braceList(l.s[t.Start:t.End]) {
				b++
			}
		case QuoteOpen:
			q++
		case QuoteClose:
			q--
		default:
			b++
		}
		l.bad, l.q = append(l.bad, b), append(l.q, q)
	}
}

func (l *line) unterminated() bool {
	if l.open < 0 {
		l.open = 0
		if unterminated(l.toks) {
			l.open = 1
		}
	}
	return l.open == 1
}

// cover judges token i, covered in part or whole by the occurrence [a, b)
// (blanks at its ends trimmed). done is set when the verdict of the whole
// occurrence is known: reason, "" when benign.
func (l *line) cover(i, a, b, depth int, quotes *int) (reason string, done bool) {
	s, t := l.s, l.toks[i]
	switch t.Kind {
	case Text:
		// The script of a shell run by this command line (sh -c '...') is
		// a command line again: judged against its own tokens.
		if a >= t.Start && b <= t.End && depth < MaxDepth && l.nested(i) {
			if l.sub == nil || l.subAt != i {
				l.sub, l.subAt = newLine(s[t.Start:t.End]), i
			}
			return l.sub.judge(a-t.Start, b-t.Start, depth+1), true
		}
	case Word:
		if braceList(s[max(a, t.Start):min(b, t.End)]) {
			return "input adds a brace expansion", true
		}
	case QuoteOpen:
		*quotes++
	case QuoteClose:
		*quotes--
	case Blank:
		return "input spans several words", true
	case Newline:
		return "input adds a newline", true
	case Comment:
		// Text strictly inside the application's comment is dead text:
		// the '#' that starts it is not the input's.
		// In a here-document's body a '#' starts nothing and the text is
		// expanded: after a << anywhere before, the text is not dead.
		if a > t.Start && i < l.heredoc() {
			return "", b <= t.End
		}
		return "input adds a comment", true
	case Operator:
		return "input adds a command operator", true
	case Redirect:
		if allDigits(s[max(a, t.Start):min(b, t.End)]) {
			return "", false // only the fd number, not the operator
		}
		return "input adds a redirection", true
	case Subst:
		tx := s[t.Start:t.End]
		if strings.HasPrefix(tx, "$((") && len(tx) >= 5 && a >= t.Start+3 && b <= t.End-2 && isDigit(s[a]) && allWordChars(s[a:b]) {
			return "", true // a number of the application's arithmetic
		}
		if inner, shift, ok := substBody(s, t); ok && a >= shift && b <= shift+len(inner) && depth < MaxDepth {
			if l.sub == nil || l.subAt != i {
				l.sub, l.subAt = newLine(inner), i
			}
			return l.sub.judge(a-shift, b-shift, depth+1), true
		}
		return "input adds a command substitution", true
	case Param:
		// Part of the application's parameter name: the input wrote
		// neither the '$' nor the whole name.
		na, nb := paramName(s, t)
		if a > na && a < nb && (b <= nb || s[t.Start+1] != '{') || a == na && b < nb {
			return "", false
		}
		return "input adds a parameter expansion", true
	default:
		return "input makes the command line malformed", true
	}
	return "", false
}

// shellNames are the programs whose -c option makes a quoted word the
// script of a nested command line.
var shellNames = map[string]bool{
	"sh": true, "bash": true, "rbash": true, "dash": true, "ash": true, "hush": true, "zsh": true,
	"rzsh": true, "ksh": true, "ksh93": true, "rksh": true, "mksh": true, "lksh": true, "oksh": true,
	"pdksh": true, "yash": true, "posh": true, "fish": true, "csh": true, "tcsh": true, "su": true,
}

// nested reports whether Text token i is the whole text of a quoted word
// that a shell of the same simple command runs as its script: the word is
// the first operand after an option cluster holding c (sh -c '...', sudo
// bash -lc "...", bash -c -- '...'), and a shell name comes before it
// (within a few words, launchers and options allowed).
func (l *line) nested(i int) bool {
	toks, s := l.toks, l.s
	if i < 2 || i+1 >= len(toks) || toks[i-1].Kind != QuoteOpen || toks[i+1].Kind != QuoteClose || toks[i-2].Kind != Blank {
		return false
	}
	if i+2 < len(toks) {
		switch toks[i+2].Kind {
		case Blank, Operator, Newline, Comment:
		default:
			return false
		}
	}
	sawC := false
	for k, n := i-2, 0; k >= 0 && n < 64; k, n = k-1, n+1 {
		t := toks[k]
		switch t.Kind {
		case Blank:
			continue
		case Word:
		default:
			return false // another command, or a word that is not plain
		}
		w := s[t.Start:t.End]
		if !sawC {
			switch {
			case w == "--" || len(w) > 1 && (w[0] == '-' || w[0] == '+') && (w[1] != '-' || w == "--command"):
				sawC = w == "--command" || w[0] == '-' && w[1] != '-' && strings.IndexByte(w, 'c') > 0
			default:
				return false // an operand before: the quoted word is not the script
			}
			continue
		}
		if j := strings.LastIndexByte(w, '/'); j >= 0 {
			w = w[j+1:]
		}
		if shellNames[w] {
			return true
		}
	}
	return false
}

// paramName returns the span of the name of parameter expansion t ($name
// or ${name...}); it is empty for special parameters and ${...} that do not
// start with a name.
func paramName(s string, t Token) (int, int) {
	p := t.Start + 1
	if p < t.End && s[p] == '{' {
		p++
	}
	e := p
	for e < t.End && (isNameStart(s[e]) || e > p && isDigit(s[e])) {
		e++
	}
	return p, e
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allWordChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// inSingleQuotes reports whether offset p of s lies in the text of a
// '...' string, where a backslash is literal.
func inSingleQuotes(s string, toks []Token, p int) bool {
	i := firstToken(toks, p)
	if i < len(toks) && toks[i].Start <= p {
		t := toks[i]
		return t.Kind == Text && i > 0 && toks[i-1].Kind == QuoteOpen && s[toks[i-1].Start] == '\''
	}
	return false
}

// unterminated reports whether the last quoted string of toks has no
// closing quote.
func unterminated(toks []Token) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Kind {
		case QuoteClose:
			return false
		case QuoteOpen:
			return true
		}
	}
	return false
}

// substBody returns the command line inside the substitution token t and
// its offset in s; ok is false for arithmetic expansion and malformed text.
func substBody(s string, t Token) (body string, off int, ok bool) {
	tx := s[t.Start:t.End]
	switch {
	case strings.HasPrefix(tx, "$(("):
		return "", 0, false
	case len(tx) >= 2 && tx[0] == '`' && tx[len(tx)-1] == '`':
		return tx[1 : len(tx)-1], t.Start + 1, true
	case len(tx) >= 3 && tx[1] == '(' && tx[len(tx)-1] == ')':
		return tx[2 : len(tx)-1], t.Start + 2, true
	}
	return "", 0, false
}

// braceList reports whether unquoted word text w holds a {a,b} brace
// expansion, which splits one word into several.
func braceList(w string) bool {
	open := -1
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '\\':
			i++
		case '{':
			open = i
		case ',':
			if open >= 0 {
				if strings.IndexByte(w[i:], '}') >= 0 {
					return true
				}
			}
		}
	}
	return false
}
