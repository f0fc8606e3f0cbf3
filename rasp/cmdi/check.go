package cmdi

import (
	"strings"

	"github.com/rampartsec/rampart/rasp/shell"
)

// Finding describes an input that changed what a command runs.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input names the program".
	Reason string
}

// Check reports whether one of inputs changed what the argument vector argv
// runs when it is executed without a shell (exec.Command, os.StartProcess).
// See the package documentation for the rules. When no input occurs in
// argv, Check does not allocate (except to decode a PowerShell
// -EncodedCommand, whose decoded script is searched for every input).
func Check(argv []string, inputs []string) (Finding, bool) {
	if len(argv) == 0 {
		return Finding{}, false
	}
	c := parse(argv)
	found := false
	for _, in := range inputs {
		s := occurring(argv, in)
		if s == "" {
			continue
		}
		found = true
		t := trimSpace(s)
		if c.names(argv, t) {
			return Finding{in, "input names the program"}, true
		}
		if len(t) < 2 {
			continue
		}
		if isOption(t) && c.becameOption(argv, t) {
			return Finding{in, "input became an option"}, true
		}
		if isOption(t) && c.lang == posix && !c.joined && !c.encoded && c.elem > 0 && startsArg(argv[c.elem+1:], t) {
			// sh -c 'wc -c "$1"' sh INPUT: the script hands its
			// arguments to programs of its own, where an option-shaped
			// one is an option (unless the script wrote "--", which the
			// argv does not show).
			return Finding{in, "input became an option of the script's arguments"}, true
		}
		if shell.SpansJoined(argv, t) {
			return Finding{in, "input spans several arguments"}, true
		}
	}
	if c.lang == none || !found && !c.encoded {
		return Finding{}, false
	}
	if c.encoded {
		return c.checkEncoded(argv, inputs)
	}
	if c.joined {
		return c.checkJoined(argv, inputs)
	}
	script := argv[c.elem][c.off:]
	for _, in := range inputs {
		s := shell.Occurring(script, in)
		if s == "" {
			continue
		}
		t := trimSpace(s)
		if len(t) < 2 {
			continue
		}
		if t == trimSpace(script) {
			return Finding{in, "input is the whole script"}, true
		}
		switch c.lang {
		case posix, powershell:
			if c.lang == powershell {
				if r := psQuote(t); r != "" {
					return Finding{in, r}, true
				}
			}
			if f, ok := shell.Check(script, []string{s}); ok {
				return Finding{in, f.Reason + " of the " + langName(c.lang) + " script"}, true
			}
		default:
			if r := codeJudge(script, t, c.lang); r != "" {
				return Finding{in, r}, true
			}
		}
	}
	return Finding{}, false
}

// psQuote returns why input t, found in a PowerShell script judged by
// POSIX rules, breaks a string that the POSIX reading keeps: PowerShell's
// escape is the backtick, so a backslash before a quote escapes nothing
// and the quote ends (or starts) a string.
func psQuote(t string) string {
	if strings.Contains(t, `\"`) || strings.Contains(t, `\'`) {
		return "input adds a quote of the PowerShell script (a backslash does not escape it)"
	}
	return ""
}

func langName(l language) string {
	switch l {
	case powershell:
		return "PowerShell"
	case cmdexe:
		return "cmd.exe"
	}
	return "shell"
}

// checkJoined judges the inputs in a script made of the elements from
// c.elem on joined by spaces (cmd.exe /c, PowerShell -Command, ssh, watch).
func (c *command) checkJoined(argv []string, inputs []string) (Finding, bool) {
	args := argv[c.elem:]
	if c.off > 0 { // an attached script (cmd /cdir): a copy, argv is the caller's
		args = append([]string{args[0][c.off:]}, args[1:]...)
	}
	var script string
	for _, in := range inputs {
		s := in
		if !shell.OccursJoined(args, s) {
			if t := trimSpace(s); t != s && shell.OccursJoined(args, t) {
				s = t
			} else {
				continue
			}
		}
		t := trimSpace(s)
		if len(t) < 2 {
			continue
		}
		if script == "" {
			script = strings.Join(args, " ")
		}
		if t == trimSpace(script) {
			return Finding{in, "input is the whole script"}, true
		}
		if c.lang == cmdexe {
			if r := cmdJudge(script, t); r != "" {
				return Finding{in, r}, true
			}
			continue
		}
		if r := psQuote(t); c.lang == powershell && r != "" {
			return Finding{in, r}, true
		}
		if f, ok := shell.CheckArgs(args, []string{s}); ok {
			return Finding{in, f.Reason + " of the " + langName(c.lang) + " script"}, true
		}
	}
	return Finding{}, false
}

// checkEncoded judges the inputs against a PowerShell -EncodedCommand:
// an input that is the whole encoded argument chose the script; one inside
// it is judged by the part of the decoded script it determines; and the
// decoded script is searched for every input as a script given in clear.
func (c *command) checkEncoded(argv []string, inputs []string) (Finding, bool) {
	enc := argv[c.elem]
	decoded, starts, ok := decodeEncoded(trimSpace(enc))
	lead := len(enc) - len(strings.TrimLeft(enc, " \t\r\n\f\v"))
	for _, in := range inputs {
		if s := shell.Occurring(enc, in); s != "" {
			t := trimSpace(s)
			if len(t) >= 2 && t == trimSpace(enc) {
				return Finding{in, "input is the whole encoded script"}, true
			}
			if ok && len(t) >= 2 {
				for off := 0; ; {
					i := strings.Index(enc[off:], t)
					if i < 0 {
						break
					}
					a, b := off+i-lead, off+i+len(t)-lead
					if x, y, some := decodedRange(starts, len(decoded), a, b); some {
						if r := shell.CheckRange(decoded, x, y); r != "" {
							return Finding{in, r + " of the encoded PowerShell script"}, true
						}
					}
					off += i + 1
				}
			}
		}
		if !ok {
			continue
		}
		s := shell.Occurring(decoded, in)
		if s == "" {
			continue
		}
		t := trimSpace(s)
		if len(t) < 2 {
			continue
		}
		if t == trimSpace(decoded) {
			return Finding{in, "input is the whole encoded script"}, true
		}
		if r := psQuote(t); r != "" {
			return Finding{in, r}, true
		}
		if f, ok := shell.Check(decoded, []string{s}); ok {
			return Finding{in, f.Reason + " of the encoded PowerShell script"}, true
		}
	}
	return Finding{}, false
}

// occurring returns the form of in that occurs in argv (in an element or
// across elements joined by spaces): in, or in without white space at its
// ends, or "".
func occurring(argv []string, in string) string {
	if in == "" {
		return ""
	}
	if shell.OccursJoined(argv, in) {
		return in
	}
	if t := trimSpace(in); t != in && t != "" && shell.OccursJoined(argv, t) {
		return t
	}
	return ""
}

// names reports whether t names one of the programs of c: it is the
// program (white space at the ends of both ignored) or the tail of its
// path after a separator.
func (c *command) names(argv []string, t string) bool {
	if t == "" {
		return false
	}
	for k := 0; k < c.nprogs; k++ {
		prog := trimSpace(argv[c.progs[k]])
		if prog == t {
			return true
		}
		if len(t) < len(prog) && strings.HasSuffix(prog, t) {
			if x := prog[len(prog)-len(t)-1]; x == '/' || x == '\\' {
				return true
			}
		}
	}
	return false
}

// startsArg reports whether an element of args starts with t.
func startsArg(args []string, t string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, t) {
			return true
		}
	}
	return false
}

// isOption reports whether t reads as an option: a dash and a name, not
// "--" (which ends options) nor a negative number (a value).
func isOption(t string) bool {
	if len(t) < 2 || t[0] != '-' || t == "--" {
		return false
	}
	num := t[1:]
	if i := strings.IndexByte(num, '.'); i > 0 {
		num = num[:i] + num[i+1:]
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return true
		}
	}
	return false
}

// becameOption reports whether an option argument of one of the programs
// (before its "--" or its script) is t or starts with it.
func (c *command) becameOption(argv []string, t string) bool {
	for k := 0; k < c.nprogs; k++ {
		end := c.optEnd[k]
		if k+1 < c.nprogs {
			end = min(end, c.progs[k+1])
		}
		for j := c.progs[k] + 1; j < end && j < len(argv); j++ {
			a := argv[j]
			if a == "--" {
				break
			}
			if strings.HasPrefix(a, t) {
				return true
			}
		}
	}
	return false
}

// ShellScript returns the shell script that argv runs: the script of a
// POSIX-family shell (sh, bash, dash, zsh, the ksh family, restricted
// shells, fish, csh, su -c), also behind launchers such as env, sudo, nice
// and timeout, with the shells' option clusters and options that take an
// argument; the remote command of ssh and the command of watch (joined by
// spaces); and the script of PowerShell's -Command (joined by spaces) or
// its -EncodedCommand (decoded). ok is false when argv runs no shell
// script. It allocates only for joined or decoded scripts.
func ShellScript(argv []string) (script string, ok bool) {
	if len(argv) == 0 {
		return "", false
	}
	c := parse(argv)
	if c.lang != posix && c.lang != powershell {
		return "", false
	}
	switch {
	case c.encoded:
		s, _, ok := decodeEncoded(trimSpace(argv[c.elem]))
		return s, ok
	case c.joined:
		return argv[c.elem][c.off:] + joinFrom(argv[c.elem+1:]), true
	}
	return argv[c.elem][c.off:], true
}

func joinFrom(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return " " + strings.Join(args, " ")
}

// cmdJudge judges an input found in a cmd.exe command line: it counts when
// an occurrence adds an unquoted metacharacter (& | < > ( ) ^ newline), a
// %variable% or !variable! expansion, or a double quote.
func cmdJudge(script, in string) string {
	off := 0
	for {
		i := strings.Index(script[off:], in)
		if i < 0 {
			return ""
		}
		a := off + i
		quoted := strings.Count(script[:a], `"`)%2 == 1
		for j := 0; j < len(in); j++ {
			c := in[j]
			if c == '"' {
				return "input ends a quoted string of the cmd.exe command"
			}
			if (c == '%' || c == '!') && strings.IndexByte(in[j+1:], c) >= 0 {
				return "input adds a variable expansion to the cmd.exe command"
			}
			if !quoted && strings.IndexByte("&|<>()^\n\r", c) >= 0 {
				return "input adds a cmd.exe metacharacter"
			}
		}
		if in[len(in)-1] == '^' {
			return "input ends with an escape"
		}
		off = a + 1
	}
}

// codeJudge judges an input found in the inline script of an interpreter:
// each occurrence must lie inside one string literal of the script, not
// touching its quotes, not ending with a backslash, and (in languages that
// interpolate) not adding an interpolation; or be a part of one name or
// number of the code.
func codeJudge(script, in string, lang language) string {
	word := isWord(in)
	off := 0
	for {
		i := strings.Index(script[off:], in)
		if i < 0 {
			return ""
		}
		a, b := off+i, off+i+len(in)
		q, start, end := literalAt(script, a)
		if q == 0 || a < start || b > end {
			if word {
				off = a + 1
				continue
			}
			return "input is code of the inline script"
		}
		n := 0
		for j := b - 1; j >= a && script[j] == '\\'; j-- {
			n++
		}
		if n%2 == 1 {
			return "input ends with an escape in a string literal"
		}
		if q != '\'' || lang == python || lang == node {
			for _, x := range []string{"${", "#{", "@{", "$(", "`", "{"} {
				if (lang != python || x == "{") && strings.Contains(in, x) && (lang != python || strings.HasPrefix(script[max(0, start-2):], "f")) {
					return "input adds an interpolation to a string literal"
				}
			}
		}
		off = a + 1
	}
}

// isWord reports whether in is one name or number of code: letters,
// digits and underscores, or digits with one decimal point.
func isWord(in string) bool {
	dots := 0
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9':
		case c == '.' && i > 0 && i < len(in)-1 && isDigit(in[i-1]) && isDigit(in[i+1]):
			dots++
		default:
			return false
		}
	}
	return in != "" && dots <= 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// literalAt finds the string literal of script containing offset p and
// returns its quote and the bounds of its text; q is 0 when p is outside
// every literal.
func literalAt(script string, p int) (q byte, start, end int) {
	i := 0
	for i < len(script) {
		c := script[i]
		if c != '\'' && c != '"' && c != '`' {
			i++
			continue
		}
		j := i + 1
		for j < len(script) && script[j] != c {
			if script[j] == '\\' {
				j++
			}
			j++
		}
		if j > len(script) {
			j = len(script)
		}
		if p > i && p <= j {
			return c, i + 1, j
		}
		if p <= i {
			return 0, 0, 0
		}
		i = j + 1
	}
	return 0, 0, 0
}
