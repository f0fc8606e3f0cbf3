package cmdi

import (
	"strings"
)

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

// maxPrograms bounds the launchers followed (sudo env nice sh ...).
const maxPrograms = 8

// command is what parse learnt about an argv: the programs it starts (the
// first, then each program a launcher runs) and the inline script the last
// one runs, if any. It holds indices into the argv, so parsing does not
// allocate.
type command struct {
	progs  [maxPrograms]int // indices of the programs in argv
	nprogs int
	// optEnd[k] is the index where the options of program k end (its "--",
	// its script, or the next program).
	optEnd [maxPrograms]int
	lang   language
	// The script is argv[elem][off:] (elem >= 0), or, when joined is set,
	// argv[elem][off:] and the elements after it joined by spaces (cmd.exe
	// /c, PowerShell -Command, ssh, watch). Encoded marks PowerShell's
	// -EncodedCommand, whose element is base64 of UTF-16LE text.
	elem    int
	off     int
	joined  bool
	encoded bool
}

// trimSpace removes the white space (blanks and line breaks) at the ends
// of s.
func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// base returns the base name of a program path, white space at its ends
// removed, without .exe and version suffixes (python3.11 -> python).
func base(p string) string {
	p = trimSpace(p)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	if len(p) > 4 && strings.EqualFold(p[len(p)-4:], ".exe") {
		p = p[:len(p)-4]
	}
	for len(p) > 1 && (p[len(p)-1] >= '0' && p[len(p)-1] <= '9' || p[len(p)-1] == '.' || p[len(p)-1] == '-') {
		p = p[:len(p)-1]
	}
	return p
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// A launcher runs the program named by its first operand (after its own
// options and fixed operands) with the rest of its arguments.
type launcher struct {
	argShort   string   // short options that take an argument
	argLong    []string // long options that take an argument
	positional int      // operands before the program (timeout's duration)
	assigns    bool     // NAME=VALUE operands before the program (env)
}

var launchers = map[string]launcher{
	"env":           {argShort: "uCPS", argLong: []string{"unset", "chdir", "split-string"}, assigns: true},
	"sudo":          {argShort: "ugCDhpRrtTU", argLong: []string{"user", "group", "close-from", "chdir", "host", "prompt", "chroot", "role", "type", "command-timeout", "other-user"}},
	"doas":          {argShort: "uC"},
	"nice":          {argShort: "n", argLong: []string{"adjustment"}},
	"nohup":         {},
	"exec":          {argShort: "a"},
	"command":       {},
	"builtin":       {},
	"time":          {argShort: "fo", argLong: []string{"format", "output"}},
	"timeout":       {argShort: "sk", argLong: []string{"signal", "kill-after"}, positional: 1},
	"stdbuf":        {argShort: "ioe", argLong: []string{"input", "output", "error"}},
	"setsid":        {},
	"ionice":        {argShort: "cnp", argLong: []string{"class", "classdata", "pid"}},
	"chrt":          {positional: 1},
	"taskset":       {positional: 1},
	"chroot":        {argLong: []string{"userspec", "groups"}, positional: 1},
	"xargs":         {argShort: "ILnPsdEa", argLong: []string{"replace", "max-lines", "max-args", "max-procs", "max-chars", "delimiter", "eof", "arg-file", "process-slot-var"}},
	"busybox":       {},
	"toybox":        {},
	"strace":        {argShort: "eoOpsSuEIbaPX", argLong: []string{"output"}},
	"flatpak-spawn": {},
}

// shellSpec describes how a shell finds its script among its arguments.
type shellSpec struct {
	lang language
	// flag is the short option that makes the first operand the script
	// (POSIX shells: sh -c [options] script); code is the short option
	// whose own argument is the script (fish -c script, csh -c script).
	flag, code byte
	codeLong   string   // long option whose argument is the script
	argShort   string   // short options that take an argument
	argLong    []string // long options that take an argument
	// joinAfter is the number of operands after which the rest of the
	// arguments, joined by spaces, is the script (ssh host cmd..., watch
	// cmd...); 0 when not so.
	joinAfter int
	joinAll   bool
}

var bashLike = shellSpec{lang: posix, flag: 'c', argShort: "oO", argLong: []string{"init-file", "rcfile"}}
var kshLike = shellSpec{lang: posix, flag: 'c', argShort: "oTR"}
var fishSpec = shellSpec{lang: posix, code: 'c', codeLong: "command", argShort: "Cdof", argLong: []string{"init-command", "debug", "debug-output", "features", "profile", "profile-startup"}}
var suSpec = shellSpec{lang: posix, code: 'c', codeLong: "command", argShort: "sgGwu", argLong: []string{"shell", "group", "supp-group", "whitelist-environment", "user"}}
var cshSpec = shellSpec{lang: posix, code: 'c'}

var shells = map[string]shellSpec{
	"sh": bashLike, "bash": bashLike, "rbash": bashLike, "dash": bashLike, "ash": bashLike,
	"hush": bashLike, "posh": bashLike, "yash": bashLike, "bosh": bashLike,
	"zsh": {lang: posix, flag: 'c', argShort: "o"}, "rzsh": {lang: posix, flag: 'c', argShort: "o"},
	"ksh": kshLike, "rksh": kshLike, "mksh": kshLike, "lksh": kshLike, "oksh": kshLike, "pdksh": kshLike,
	"fish": fishSpec, "csh": cshSpec, "tcsh": cshSpec, "su": suSpec, "runuser": suSpec,
	"ssh":   {lang: posix, argShort: "BbcDEeFIiJLlmOopQRSWw", joinAfter: 1},
	"watch": {lang: posix, argShort: "nq", argLong: []string{"interval"}, joinAll: true},
}

// interpSpec describes how an interpreter takes inline code.
type interpSpec struct {
	lang     language
	code     string   // short options whose argument is code
	codeLong []string // long options whose argument is code
	arg      string   // short options that take an argument
	argLong  []string // long options that take an argument
	rest     string   // short options that take the rest of their cluster
	stop     string   // short options after which no inline code comes
}

var interps = map[string]interpSpec{
	"python":  {lang: python, code: "c", arg: "WXQ", stop: "m"},
	"pypy":    {lang: python, code: "c", arg: "WXQ", stop: "m"},
	"perl":    {lang: perl, code: "eE", rest: "MmIxidDCl0"},
	"ruby":    {lang: ruby, code: "e", arg: "rICEF", rest: "xTWK"},
	"jruby":   {lang: ruby, code: "e", arg: "rICEF", rest: "xTWK"},
	"node":    {lang: node, code: "e", codeLong: []string{"eval", "print"}, arg: "rC", argLong: []string{"require", "import", "loader", "experimental-loader", "conditions", "title"}},
	"nodejs":  {lang: node, code: "e", codeLong: []string{"eval", "print"}, arg: "rC", argLong: []string{"require", "import", "loader", "experimental-loader", "conditions", "title"}},
	"bun":     {lang: node, code: "e", codeLong: []string{"eval", "print"}, arg: "r", argLong: []string{"preload"}},
	"php":     {lang: php, code: "rBRE", arg: "dcz", stop: "f"},
	"php-cgi": {lang: php, code: "rBRE", arg: "dcz", stop: "f"},
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parse finds the programs argv starts and the script its last program
// runs.
func parse(argv []string) command {
	c := command{elem: -1}
	i := 0
	for {
		c.progs[c.nprogs] = i
		c.optEnd[c.nprogs] = len(argv)
		c.nprogs++
		b := lower(base(argv[i]))
		if l, ok := launchers[b]; ok && c.nprogs < maxPrograms {
			next, end := l.skip(argv, i+1)
			c.optEnd[c.nprogs-1] = end
			if next < len(argv) {
				i = next
				continue
			}
			return c
		}
		args := i + 1
		if s, ok := shells[b]; ok {
			c.shell(s, argv, args)
		} else if b == "cmd" {
			c.cmd(argv, args)
		} else if b == "powershell" || b == "pwsh" {
			c.powershell(argv, args, b == "pwsh")
		} else if s, ok := interps[b]; ok {
			c.interp(s, argv, args)
		}
		if c.elem >= 0 && !c.joined {
			c.optEnd[c.nprogs-1] = c.elem
		}
		return c
	}
}

// skip returns the index of the program a launcher runs and the index
// where the launcher's own options end.
func (l launcher) skip(argv []string, i int) (next, optEnd int) {
	optEnd = len(argv)
	pos := 0
	for i < len(argv) {
		a := argv[i]
		switch {
		case a == "--":
			if optEnd == len(argv) {
				optEnd = i
			}
			i++
			for pos < l.positional && i < len(argv) {
				i++
				pos++
			}
			return i, optEnd
		case len(a) > 2 && a[0] == '-' && a[1] == '-':
			name := a[2:]
			if j := strings.IndexByte(name, '='); j >= 0 {
				i++
				continue
			}
			i++
			if contains(l.argLong, name) {
				i++
			}
		case len(a) > 1 && a[0] == '-':
			i++
			for j := 1; j < len(a); j++ {
				if strings.IndexByte(l.argShort, a[j]) >= 0 {
					if j == len(a)-1 {
						i++
					}
					break
				}
			}
		case l.assigns && strings.IndexByte(a, '=') > 0:
			i++
		case pos < l.positional:
			pos++
			i++
		default:
			return i, min(optEnd, i)
		}
	}
	return i, min(optEnd, i)
}

// shell finds the script of a shell among args[i:].
func (c *command) shell(s shellSpec, argv []string, i int) {
	flagged := false
	operands := 0
	for ; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--" || a == "-" && s.flag != 0:
			c.optEnd[c.nprogs-1] = i
			i++
			if flagged && i < len(argv) {
				c.lang, c.elem = s.lang, i
			} else if (s.joinAll || s.joinAfter > 0) && i+s.joinAfter < len(argv) {
				c.lang, c.elem, c.joined = s.lang, i+s.joinAfter, true
			}
			return
		case len(a) > 2 && a[0] == '-' && a[1] == '-':
			name := a[2:]
			if j := strings.IndexByte(name, '='); j >= 0 {
				if s.codeLong != "" && name[:j] == s.codeLong {
					c.lang, c.elem, c.off = s.lang, i, 3+j
					return
				}
				continue
			}
			if s.codeLong != "" && name == s.codeLong {
				if i+1 < len(argv) {
					c.lang, c.elem = s.lang, i+1
				}
				return
			}
			if contains(s.argLong, name) {
				i++
			}
		case len(a) > 1 && (a[0] == '-' || a[0] == '+' && s.flag != 0):
			for j := 1; j < len(a); j++ {
				switch {
				case a[0] == '-' && s.code != 0 && a[j] == s.code:
					if j+1 < len(a) {
						c.lang, c.elem, c.off = s.lang, i, j+1
					} else if i+1 < len(argv) {
						c.lang, c.elem = s.lang, i+1
					}
					return
				case a[0] == '-' && s.flag != 0 && a[j] == s.flag:
					flagged = true
				case strings.IndexByte(s.argShort, a[j]) >= 0:
					if j == len(a)-1 {
						i++
					}
					j = len(a)
				}
			}
		default:
			if flagged {
				c.lang, c.elem = s.lang, i
				return
			}
			if s.joinAll || s.joinAfter > 0 {
				if operands == s.joinAfter || s.joinAll {
					c.lang, c.elem, c.joined = s.lang, i, true
					return
				}
				operands++
				continue
			}
			if s.code == 0 {
				return // a script file
			}
		}
	}
}

// cmd finds the command line of cmd.exe /c, /k or /r.
func (c *command) cmd(argv []string, i int) {
	for ; i < len(argv); i++ {
		a := argv[i]
		if len(a) < 2 || a[0] != '/' {
			return
		}
		switch a[1] | 0x20 {
		case 'c', 'k', 'r':
			c.lang, c.joined = cmdexe, true
			if len(a) > 2 && a[2] != ' ' || i+1 >= len(argv) {
				c.elem, c.off = i, 2
			} else {
				c.elem = i + 1
			}
			return
		}
	}
}

// PowerShell parameters that take a value (by their names' shortest
// accepted prefixes, checked in order).
var psValued = []struct{ name, min string }{
	{"executionpolicy", "ex"}, {"executionpolicy", "ep"}, {"inputformat", "inp"}, {"inputformat", "if"},
	{"outputformat", "o"}, {"windowstyle", "w"}, {"configurationname", "config"},
	{"configurationfile", "configurationf"}, {"workingdirectory", "wo"}, {"workingdirectory", "wd"},
	{"settingsfile", "settings"}, {"psconsolefile", "psc"}, {"version", "v"},
	{"custompipename", "cu"}, {"encodedarguments", "ea"}, {"encodedarguments", "encodeda"},
}

// psMatch reports whether parameter key k names the parameter name, which
// accepts the prefixes of itself from short on (and short itself).
func psMatch(k, name, short string) bool {
	return k == short || len(k) >= len(short) && strings.HasPrefix(name, k)
}

// powershell finds the script of powershell or pwsh: the arguments after
// -Command joined by spaces, the argument of -EncodedCommand, or (for
// Windows PowerShell) the arguments from the first operand on.
func (c *command) powershell(argv []string, i int, pwsh bool) {
	for ; i < len(argv); i++ {
		a := argv[i]
		if a == "" {
			continue
		}
		if a[0] != '-' && a[0] != '/' {
			if !pwsh { // Windows PowerShell: the rest is the command
				c.lang, c.elem, c.joined = powershell, i, true
			}
			return // pwsh: a script file
		}
		k := a[1:]
		if len(k) > 0 && k[0] == '-' {
			k = k[1:]
		}
		k = lower(k)
		attached := false
		if j := strings.IndexByte(k, ':'); j >= 0 { // -Param:value
			k, attached = k[:j], true
		}
		switch {
		case k == "":
		case k == "cwa" || psMatch(k, "commandwithargs", "commandw"):
			if i+1 < len(argv) {
				c.lang, c.elem = powershell, i+1
			}
			return
		case psMatch(k, "command", "c"):
			if i+1 < len(argv) && argv[i+1] != "-" {
				c.lang, c.elem, c.joined = powershell, i+1, true
			}
			return
		case k == "ec" || psMatch(k, "encodedcommand", "e"):
			if i+1 < len(argv) {
				c.lang, c.elem, c.encoded = powershell, i+1, true
			}
			return
		case psMatch(k, "file", "f"):
			return
		default:
			for _, v := range psValued {
				if psMatch(k, v.name, v.min) {
					if !attached {
						i++
					}
					break
				}
			}
		}
	}
}

// interp finds the inline code of an interpreter.
func (c *command) interp(s interpSpec, argv []string, i int) {
	for ; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--" || a == "-":
			return
		case len(a) > 2 && a[0] == '-' && a[1] == '-':
			name := a[2:]
			if j := strings.IndexByte(name, '='); j >= 0 {
				if contains(s.codeLong, name[:j]) {
					c.lang, c.elem, c.off = s.lang, i, 3+j
					return
				}
				continue
			}
			if contains(s.codeLong, name) {
				if i+1 < len(argv) {
					c.lang, c.elem = s.lang, i+1
				}
				return
			}
			if contains(s.argLong, name) {
				i++
			}
		case len(a) > 1 && a[0] == '-':
			if s.lang == node && a == "-p" && i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
				c.lang, c.elem = s.lang, i+1
				return
			}
		cluster:
			for j := 1; j < len(a); j++ {
				switch x := a[j]; {
				case strings.IndexByte(s.code, x) >= 0:
					if j+1 < len(a) {
						c.lang, c.elem, c.off = s.lang, i, j+1
					} else if i+1 < len(argv) {
						c.lang, c.elem = s.lang, i+1
					}
					return
				case strings.IndexByte(s.stop, x) >= 0:
					return
				case strings.IndexByte(s.arg, x) >= 0:
					if j == len(a)-1 {
						i++
					}
					break cluster
				case strings.IndexByte(s.rest, x) >= 0:
					break cluster
				case s.lang == perl && (x == 'l' || x == '0'):
					for j+1 < len(a) && a[j+1] >= '0' && a[j+1] <= '9' {
						j++
					}
				}
			}
		default:
			return // a script file
		}
	}
}
