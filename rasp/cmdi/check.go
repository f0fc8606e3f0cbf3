package cmdi

import (
	"strings"

	"github.com/rampartsec/rampart/rasp/shell"
)

// MinInput is the shortest input Check considers: shorter inputs occur in
// argument vectors by chance.
const MinInput = 4

// Finding describes an input that changed what a command runs.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input names the program".
	Reason string
}

// Check reports whether one of inputs changed what the argument vector argv
// runs when it is executed without a shell (exec.Command, os.StartProcess).
// An input of at least MinInput bytes counts when it is the program (argv[0]
// or its base name), when it starts with '-' and an argument before any "--"
// equals it or starts with it (it became an option), or when argv[0] is a
// shell or interpreter given a script with -c, /c, -Command, -e and the like
// and the input changes the structure of that script: POSIX shells (and
// PowerShell, approximately) are judged by rasp/shell, cmd.exe by its own
// metacharacters, other interpreters by whether the input stays inside one
// string literal of the script. When no input occurs in argv, Check does not
// allocate.
func Check(argv []string, inputs []string) (Finding, bool) {
	if len(argv) == 0 {
		return Finding{}, false
	}
	prog, rest := unwrap(argv)
	for _, in := range inputs {
		if len(in) < MinInput {
			continue
		}
		if isProgram(argv[0], in) || isProgram(prog, in) {
			return Finding{in, "input names the program"}, true
		}
		if in[0] == '-' && becameOption(argv[1:], in) {
			return Finding{in, "input became an option"}, true
		}
	}
	if !occurs(argv[1:], inputs) {
		return Finding{}, false
	}
	lang, script := scriptOf(prog, rest)
	if lang == none {
		return Finding{}, false
	}
	for _, in := range inputs {
		if len(in) < MinInput || !strings.Contains(script, in) {
			continue
		}
		switch lang {
		case posix:
			if f, ok := shell.Check(script, []string{in}); ok {
				return Finding{in, f.Reason + " of the shell script"}, true
			}
		case cmdexe:
			if r := cmdJudge(script, in); r != "" {
				return Finding{in, r}, true
			}
		default:
			if r := codeJudge(script, in, lang); r != "" {
				return Finding{in, r}, true
			}
		}
	}
	return Finding{}, false
}

// isProgram reports whether in names the program prog.
func isProgram(prog, in string) bool {
	if prog == in {
		return true
	}
	if len(in) < len(prog) && strings.HasSuffix(prog, in) {
		c := prog[len(prog)-len(in)-1]
		return c == '/' || c == '\\'
	}
	return false
}

// becameOption reports whether an argument before "--" is or starts with in.
func becameOption(args []string, in string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if strings.HasPrefix(a, in) {
			return true
		}
	}
	return false
}

type language uint8

const (
	none language = iota
	posix
	cmdexe
	powershell
	python
	perl
	ruby
	node
	php
)

// base returns the lower-case base name of a program path, without .exe
// and version suffixes (python3.11 -> python).
func base(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	if len(p) > 4 && strings.EqualFold(p[len(p)-4:], ".exe") {
		p = p[:len(p)-4]
	}
	for len(p) > 0 && (p[len(p)-1] >= '0' && p[len(p)-1] <= '9' || p[len(p)-1] == '.') {
		p = p[:len(p)-1]
	}
	return p
}

func langOf(b string) language {
	switch strings.ToLower(b) {
	case "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish", "csh", "tcsh":
		return posix
	case "cmd":
		return cmdexe
	case "powershell", "pwsh":
		return powershell
	case "python", "pypy":
		return python
	case "perl":
		return perl
	case "ruby", "jruby":
		return ruby
	case "node", "nodejs", "deno", "bun":
		return node
	case "php":
		return php
	}
	return none
}

// unwrap skips launchers (env, sudo, nohup, nice, exec, timeout) and their
// options, returning the program that runs and its arguments.
func unwrap(argv []string) (string, []string) {
	for n := 0; n < 4 && len(argv) > 1; n++ {
		switch base(argv[0]) {
		case "env", "sudo", "nohup", "nice", "exec", "timeout", "doas":
		default:
			return argv[0], argv[1:]
		}
		i := 1
		for i < len(argv) && (strings.HasPrefix(argv[i], "-") || strings.Contains(argv[i], "=") || base(argv[0]) == "timeout" && i == 1) {
			i++
		}
		if i >= len(argv) {
			break
		}
		argv = argv[i:]
	}
	return argv[0], argv[1:]
}

// scriptOf returns the script that prog runs from its arguments, if prog is
// a known shell or interpreter given one inline.
func scriptOf(prog string, args []string) (language, string) {
	lang := langOf(base(prog))
	if lang == none {
		return none, ""
	}
	for i, a := range args {
		switch lang {
		case posix:
			if a == "--" {
				return none, ""
			}
			if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'c') > 0 {
				if i+1 < len(args) {
					return lang, args[i+1]
				}
				return none, ""
			}
			if a == "" || a[0] != '-' && a[0] != '+' {
				return none, ""
			}
		case cmdexe:
			if strings.EqualFold(a, "/c") || strings.EqualFold(a, "/k") || strings.EqualFold(a, "/r") {
				return lang, strings.Join(args[i+1:], " ")
			}
		case powershell:
			l := strings.ToLower(a)
			if l == "-c" || l == "-command" || l == "/c" || l == "/command" || l == "-co" || l == "-com" {
				return posix, strings.Join(args[i+1:], " ")
			}
			if l == "" || l[0] != '-' && l[0] != '/' {
				// A script file or a bare command: the rest is the command.
				return posix, strings.Join(args[i:], " ")
			}
		default:
			if flagIsCode(lang, a) {
				if i+1 < len(args) {
					return lang, args[i+1]
				}
				return none, ""
			}
			if strings.HasPrefix(a, "-e") && len(a) > 2 && (lang == perl || lang == ruby) {
				return lang, a[2:]
			}
			if a == "" || a[0] != '-' {
				return none, ""
			}
		}
	}
	return none, ""
}

func flagIsCode(lang language, a string) bool {
	switch lang {
	case python:
		return a == "-c"
	case perl:
		return a == "-e" || a == "-E" || a == "-ne" || a == "-pe" || a == "-le"
	case ruby:
		return a == "-e"
	case node:
		return a == "-e" || a == "--eval" || a == "-p" || a == "--print"
	case php:
		return a == "-r"
	}
	return false
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
			if c == '%' || c == '!' && strings.Count(in[j+1:], "!") > 0 {
				if strings.IndexByte(in[j+1:], c) >= 0 {
					return "input adds a variable expansion to the cmd.exe command"
				}
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
// interpolate) not adding an interpolation.
func codeJudge(script, in string, lang language) string {
	off := 0
	for {
		i := strings.Index(script[off:], in)
		if i < 0 {
			return ""
		}
		a, b := off+i, off+i+len(in)
		q, start, end := literalAt(script, a)
		if q == 0 || a < start || b > end {
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

// occurs reports whether an input of at least MinInput bytes occurs in one
// of args.
func occurs(args, inputs []string) bool {
	for _, in := range inputs {
		if len(in) < MinInput {
			continue
		}
		for _, a := range args {
			if strings.Contains(a, in) {
				return true
			}
		}
	}
	return false
}
