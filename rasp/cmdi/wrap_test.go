package cmdi

import (
	"encoding/base64"
	"testing"
	"unicode/utf16"
)

// encodePS encodes a script as PowerShell's -EncodedCommand expects.
func encodePS(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, x := range u {
		b[2*i], b[2*i+1] = byte(x), byte(x>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// encodedPart returns the base64 characters of encodePS(script) that
// determine the UTF-16 units [x, y) of the script.
func encodedPart(script string, x, y int) string {
	enc := encodePS(script)
	return enc[8*x/3 : min(len(enc), (8*y+2)/3)]
}

// wrapperRows are pairs: the same input as an injection into the script
// of a shell behind options, launchers or white space, and as data.
var wrapperRows = []struct {
	argv    []string
	input   string
	exploit bool
}{
	{[]string{"bash", "-c", "-i", "ls -l x; id"}, "x; id", true},
	{[]string{"bash", "-c", "-i", "ls -l 'x; id'"}, "x; id", false},
	{[]string{"bash", "-c", "-i", "ls -l"}, "ls -l", true}, // the whole script
	{[]string{"bash", "-o", "errexit", "-c", "ls x; id"}, "x; id", true},
	{[]string{"bash", "-o", "errexit", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"bash", "-co", "errexit", "ls x; id"}, "x; id", true},
	{[]string{"bash", "-co", "errexit", "ls 'x; id'"}, "x; id", false},
	{[]string{"bash", "-c", "--", "ls x; id"}, "x; id", true},
	{[]string{"bash", "-c", "--", "ls 'x; id'"}, "x; id", false},
	{[]string{"bash", "--init-file", "/etc/f", "-c", "ls x; id"}, "x; id", true},
	{[]string{"bash", "--init-file", "/etc/f", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"bash", "+O", "extglob", "-c", "ls x; id"}, "x; id", true},
	{[]string{"bash", "-O", "extglob", "-c", "ls x; id"}, "x; id", true},
	{[]string{"bash", "-O", "extglob", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"bash", "-lc", "ls x|id"}, "|id", true},
	{[]string{"bash", "-lc", "ls 'x|id'"}, "|id", false},
	{[]string{"rksh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"rbash", "-c", "ls x; id"}, "x; id", true},
	{[]string{"mksh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"yash", "-c", "ls x; id"}, "x; id", true},
	{[]string{"posh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"ksh93", "-c", "ls x;id"}, ";id", true},
	{[]string{"ksh93", "-c", "ls 'x;id'"}, ";id", false},
	{[]string{"busybox", "sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"fish", "-c", "ls x; id"}, "x; id", true},
	{[]string{"fish", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"fish", "--command", "ls x; id"}, "x; id", true},
	{[]string{"fish", "--command=ls x; id"}, "x; id", true},
	{[]string{"fish", "--command=ls 'x; id'"}, "x; id", false},
	{[]string{"su", "www", "-c", "ls x; id"}, "x; id", true},
	{[]string{"ssh", "-p", "22", "host", "ls", "x; id"}, "x; id", true},
	{[]string{"ssh", "-p", "22", "host", "ls", "'x; id'"}, "x; id", false},
	// PowerShell: -Command and its prefixes, the rest joined by spaces.
	{[]string{"powershell", "-NoProfile", "-Command", "Get-Item x; id"}, "x; id", true},
	{[]string{"powershell", "-NoProfile", "-Command", "Get-Item 'x; id'"}, "x; id", false},
	{[]string{"pwsh", "-c", "Get-Item x; id"}, "x; id", true},
	{[]string{"pwsh", "-ExecutionPolicy", "Bypass", "-Command", "Get-Item", "x;", "id"}, "x; id", true},
	{[]string{"pwsh", "-ExecutionPolicy", "Bypass", "-Command", "Get-Item", "'x; id'"}, "x; id", false},
	{[]string{"pwsh", "-File", "x.ps1", "x; id"}, "x; id", false},
	{[]string{"powershell.exe", "-EncodedCommand", encodePS("Get-Item x; id")}, "x; id", true},
	{[]string{"powershell.exe", "-EncodedCommand", encodePS("Get-Item 'x; id'")}, "x; id", false},
	{[]string{"pwsh", "-enc", encodePS("Get-Item x; id")}, encodePS("Get-Item x; id"), true},
	{[]string{"pwsh", "-File", "x.ps1", encodePS("Get-Item x; id")}, encodePS("Get-Item x; id"), false},
	{[]string{"pwsh", "-e", encodePS("Get-Item x; id")}, encodedPart("Get-Item x; id", 9, 14), true},
	{[]string{"pwsh", "-e", encodePS("Get-Item 'abcdefghijkl'")}, encodedPart("Get-Item 'abcdefghijkl'", 12, 18), false},
	// PowerShell's escape is the backtick: a backslash before a quote
	// escapes nothing there.
	{[]string{"pwsh", "-c", `Write-Host "x\"; calc; ""`}, `x\"; calc; "`, true},
	{[]string{"pwsh", "-c", `Write-Host "x; calc"`}, `x; calc`, false},
	{[]string{"pwsh", "-enc", encodePS(`Write-Host "x\"; calc; ""`)}, `x\"; calc; "`, true},
	{[]string{"sh", "-c", `echo "x\"; calc; \""`}, `x\"; calc; \"`, false},
	// Launchers before the shell.
	{[]string{"env", "FOO=1", "bash", "-c", "ls x; id"}, "x; id", true},
	{[]string{"/usr/bin/env", "-i", "sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"/usr/bin/env", "-i", "sh", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"sudo", "-u", "www", "sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"sudo", "-u", "www", "sh", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"nice", "-n", "10", "sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"timeout", "5", "sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"timeout", "-s", "KILL", "5s", "bash", "-c", "ls x; id"}, "x; id", true},
	{[]string{"timeout", "-s", "KILL", "5s", "bash", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"sudo", "env", "nice", "timeout", "3", "dash", "-ec", "ls x; id"}, "x; id", true},
	// White space around argv[0] and around the input.
	{[]string{" /bin/sh", "-c", "ls x; id"}, "x; id", true},
	{[]string{"/bin/sh ", "-c", "ls x; id"}, "x; id", true},
	{[]string{"/bin/sh ", "-c", "ls 'x; id'"}, "x; id", false},
	{[]string{"/bin/sh", "-c", "ls x; id"}, " x; id\n", true},
	{[]string{"/bin/sh", "-c", "ls x"}, " x ", false},
	{[]string{" /bin/sh", "-h"}, "/bin/sh ", true},
	// An input that spans elements the application wrote separately.
	{[]string{"echo", "x", "y"}, "x y", true},
	{[]string{"echo", "x y"}, "x y", false},
	{[]string{"cmd.exe", "/c", "ping", "-n", "1", "x", "&", "whoami"}, "x & whoami", true},
	{[]string{"cmd.exe", "/c", "ping", "-n", "1", `"x & whoami"`}, "x & whoami", false},
	{[]string{"cmd", "/c", "ping x&w"}, "&w", true},
	{[]string{"cmd", "/c", `ping "x&w"`}, "&w", false},
	{[]string{"cmd", "/cdir x&w"}, "&w", true},
	// The whole script, in clear.
	{[]string{"sh", "-c", "id"}, "id", true},
	{[]string{"sh", "-c", "echo id"}, "id", false},
}

// argvShortRows are pairs of short inputs in argv form.
var argvShortRows = []struct {
	argv    []string
	input   string
	exploit bool
}{
	{[]string{"git", "clone", "-c", "url"}, "-c", true},
	{[]string{"git", "clone", "--", "-c"}, "-c", false},
	{[]string{"git", "log", "--grep=-c"}, "-c", false},
	{[]string{"rsync", "-e", "sh", "/backup/"}, "-e", true},
	{[]string{"rsync", "-a", "e", "/backup/"}, "e", false},
	{[]string{"ls", "-l", "x"}, "-", false},
	{[]string{"grep", "--", "x"}, "--", false},
	{[]string{"convert", "in.png", "-rotate", "-90", "out.png"}, "-90", false},
	{[]string{"convert", "in.png", "-rotate", "-1.5", "out.png"}, "-1.5", false},
	{[]string{"convert", "in.png", "-r", "1", "out.png"}, "-r", true},
	{[]string{"sh", "-c", "ls"}, "sh", true},
	{[]string{"ls", "sh"}, "sh", false},
	{[]string{"/bin/sh", "-c", "ls"}, "sh", true},
	{[]string{"/bin/bash", "-c", "ls"}, "sh", false},
	{[]string{"tar", "-czf", "out.tgz", "dir"}, "c", false},
	{[]string{"head", "-n", "1", "f"}, "1", false},
	{[]string{"ping", "-c", "1", ";id"}, ";id", false},
	{[]string{"sh", "-c", "ping -c 1 ;id"}, ";id", true},
	{[]string{"sh", "-c", "ping -c 1 ';id'"}, ";id", false},
	{[]string{"sh", "-c", "ping -c 1 &id"}, "&id", true},
	{[]string{"sh", "-c", "ping -c 1 id"}, "id", false},
	{[]string{"sh", "-c", "ping -c 1 x", "sh", ";id"}, ";id", false}, // positional data
	{[]string{"sh", "-c", "ls ;"}, ";", false},
	{[]string{"python3", "-c", "import sys; sys.exit(1)"}, "1", false},
	{[]string{"python3", "-c", "import sys; sys.exit(1)"}, "sys", false},
	{[]string{"python3", "-c", "import sys; sys.exit(1)"}, "exit", false},
	{[]string{"python3", "-c", "import sys; sys.exit(1)"}, "(1", true},
	{[]string{"python3", "-c", "print(2.5)"}, "2.5", false},
	{[]string{"python3", "-W", "ignore", "-c", "print('x'); import os"}, "x'); import os", true},
	{[]string{"python3", "-W", "ignore", "-c", "print('x); import os')"}, "x); import os", false},
	{[]string{"perl", "-ne", "print if /x/; system 'id'"}, "x/; system 'id", true},
	{[]string{"node", "--eval=console.log('a');process.exit()"}, "a');process.exit(", true},
	{[]string{"node", "--eval=console.log('a;process.exit()')"}, "a;process.exit()", false},
}

func TestExecWrappers(t *testing.T) {
	for _, rows := range [][]struct {
		argv    []string
		input   string
		exploit bool
	}{wrapperRows, argvShortRows} {
		for _, r := range rows {
			f, got := Check(r.argv, []string{r.input})
			if got != r.exploit {
				t.Errorf("Check(%q, %q) = %v %q, want %v", r.argv, r.input, got, f.Reason, r.exploit)
			}
			if got && (f.Input != r.input || f.Reason == "") {
				t.Errorf("Check(%q, %q): finding %+v", r.argv, r.input, f)
			}
		}
	}
}

func TestExecShellScript(t *testing.T) {
	rows := []struct {
		argv   []string
		script string
		ok     bool
	}{
		{[]string{"sh", "-c", "ls"}, "ls", true},
		{[]string{"/bin/bash", "-lc", "ls"}, "ls", true},
		{[]string{"bash", "-c", "-i", "ls -l"}, "ls -l", true},
		{[]string{"bash", "-o", "errexit", "-c", "ls"}, "ls", true},
		{[]string{"bash", "-co", "errexit", "ls"}, "ls", true},
		{[]string{"bash", "-c", "--", "ls"}, "ls", true},
		{[]string{"bash", "--init-file", "F", "-c", "ls"}, "ls", true},
		{[]string{"bash", "+O", "extglob", "-c", "ls"}, "ls", true},
		{[]string{"bash", "-O", "extglob", "-c", "ls"}, "ls", true},
		{[]string{"bash", "-c"}, "", false},
		{[]string{"bash", "script.sh", "-c", "ls"}, "", false},
		{[]string{"bash", "--", "-c", "ls"}, "", false},
		{[]string{"fish", "-c", "ls"}, "ls", true},
		{[]string{"fish", "--command", "ls"}, "ls", true},
		{[]string{"fish", "--command=ls"}, "ls", true},
		{[]string{" /bin/sh ", "-c", "ls"}, "ls", true},
		{[]string{"env", "-u", "X", "A=1", "sudo", "-u", "u", "--", "nice", "-n", "5", "timeout", "-k", "1", "5", "sh", "-c", "ls"}, "ls", true},
		{[]string{"pwsh", "-NoProfile", "-c", "Get-Item", "x"}, "Get-Item x", true},
		{[]string{"pwsh", "-EncodedCommand", encodePS("Get-Item ☃ 𝄞 x")}, "Get-Item ☃ 𝄞 x", true},
		{[]string{"pwsh", "script.ps1"}, "", false},
		{[]string{"powershell", "Get-Item", "x"}, "Get-Item x", true},
		{[]string{"ssh", "host", "ls", "-l"}, "ls -l", true},
		{[]string{"cmd.exe", "/c", "dir"}, "", false},
		{[]string{"python3", "-c", "print(1)"}, "", false},
		{[]string{"ls", "-c"}, "", false},
		{[]string{}, "", false},
	}
	for _, r := range rows {
		s, ok := ShellScript(r.argv)
		if s != r.script || ok != r.ok {
			t.Errorf("ShellScript(%q) = %q, %v, want %q, %v", r.argv, s, ok, r.script, r.ok)
		}
	}
}

func TestExecDecodedRange(t *testing.T) {
	script := "Get-Item 'abcdefghijkl' ☃𝄞 end"
	enc := encodePS(script)
	text, starts, ok := decodeEncoded(enc)
	if !ok || text != script {
		t.Fatalf("decode: %q, %v", text, ok)
	}
	raw, _ := base64.StdEncoding.DecodeString(enc)
	unitAt := func(off int) int { // the UTF-16 unit whose character starts at byte off
		for u, st := range starts {
			if st == off {
				return u
			}
		}
		t.Fatalf("no unit starts at %d", off)
		return 0
	}
	checked := 0
	for a := 0; a < len(enc); a++ {
		for b := a + 1; b <= len(enc); b++ {
			x, y, some := decodedRange(starts, len(text), a, b)
			if !some {
				continue
			}
			// Changing the base64 characters outside [a, b) never changes
			// the UTF-16 units of the decoded span [x, y).
			mut := []byte(enc)
			for i := range mut {
				if (i < a || i >= b) && mut[i] != '=' {
					mut[i] = "AB/+"[i%4]
				}
			}
			raw2, err := base64.StdEncoding.DecodeString(string(mut))
			if err != nil {
				t.Fatal(err)
			}
			ua, ub := unitAt(x), unitAt(y)
			checked++
			if string(raw2[2*ua:2*ub]) != string(raw[2*ua:2*ub]) {
				t.Fatalf("chars [%d,%d) -> text [%d,%d) %q, but changing the rest changes it", a, b, x, y, text[x:y])
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d spans compared", checked)
	}
}
