// Package cmdi checks whether a request input changed what an argument
// vector runs when a program is executed without a shell (exec.Command,
// os.StartProcess): the argv form of the command-injection test of the RASP.
//
// # Programs, launchers and scripts
//
// Check first parses argv (without allocating): the program argv[0] (white
// space at its ends ignored, .exe and version suffixes dropped, so
// " /bin/sh", "bash.exe" and "python3.11" are recognized), the launchers it
// passes through with their own options and operands (env with NAME=VALUE,
// sudo, doas, nice, nohup, exec, command, time, timeout with its duration,
// stdbuf, setsid, ionice, chrt, taskset, chroot, xargs, strace, busybox,
// toybox), and the inline script of the program they run:
//
//   - POSIX shells (sh, bash, rbash, dash, ash, hush, posh, yash, bosh, zsh,
//     rzsh, ksh, ksh93, rksh, mksh, lksh, oksh, pdksh): -c anywhere in the
//     options, alone or in a cluster (-lc, -ec, -co errexit), makes the
//     first operand the script; options after -c and options that take an
//     argument are skipped (bash -c -i 'ls -l', -o errexit -c, +O extglob,
//     -O extglob, --init-file F -c, --rcfile F), and -- or - ends the
//     options (-c -- script). Arguments after the script are positional
//     data, judged only as options: an option-shaped input that starts
//     one of them is reported (the script may hand it to a program as an
//     option; whether it wrote "--" before it cannot be seen in argv).
//   - fish (-c script, -cscript, --command script, --command=script), csh
//     and tcsh (-c script), su and runuser (-c/--command script).
//   - ssh (the arguments after the destination, joined by spaces, run by
//     the remote shell) and watch (its arguments joined by spaces, run by
//     sh -c).
//   - PowerShell (powershell, pwsh): -Command and its accepted prefixes
//     (-c, -co, -com ...) with the rest of the arguments joined by spaces;
//     -CommandWithArgs/-cwa; -EncodedCommand and its prefixes (-e, -ec,
//     -enc ...), whose argument is base64 of UTF-16LE and is decoded;
//     -File ends the search; valued parameters (-ExecutionPolicy,
//     -WindowStyle, -WorkingDirectory ...) are skipped, -Param:value too;
//     for Windows PowerShell the first operand starts the command.
//     Parameters are case-insensitive and accept -, / and --.
//   - cmd.exe: /c, /k or /r (also attached, /cdir) with the rest joined.
//   - Interpreters: python -c (after -u, -W arg, -X arg; -m ends), perl
//     -e/-E (clusters such as -ne, -lne; -i, -M, -I take the rest of their
//     cluster), ruby -e, node -e/--eval/--print/-p, php -r/-B/-R/-E, the
//     code attached or in the next argument.
//
// ShellScript returns the script of the shells and of PowerShell (joined
// or decoded), so that a caller can judge it as a shell command line first
// (rampart's CheckExec does, reporting it as a shell injection).
//
// # Rules
//
// Each input is looked for in the elements of argv and across them (as if
// joined by spaces, without joining), as is or without white space at its
// ends. Check reports an input when:
//
//   - it names a program: argv[0] or a program a launcher runs, itself or
//     the tail of its path after a separator, white space at the ends of
//     both ignored (the only rule that a one-byte input can meet);
//   - it reads as an option (a dash and a name: not "-", not "--", not a
//     negative number such as -90 or -1.5) and an argument before the
//     program's "--" (or its script) equals it or starts with it: the input
//     became an option ("-c", "--output=/etc/x", "-e sh ...") rather than a
//     value inside one ("--grep=-x" stays a value);
//   - it spans two elements of argv: the application wrote them as
//     separate arguments and the input covers the space between them, so it
//     added an argument;
//   - it is the whole script (two bytes or more): the request chose the
//     command;
//   - it changes the structure of the script: POSIX shells and PowerShell
//     (approximately) by package rasp/shell, a joined script keeping its
//     element boundaries (shell.CheckArgs); cmd.exe by its metacharacters
//     (& | < > ( ) ^ outside double quotes, a double quote, %var% and !var!
//     expansions); inline code by whether each occurrence lies inside one
//     string literal without touching its quotes, ending with a backslash
//     or adding an interpolation (${ #{ @{ $( ` in interpolating strings, {
//     in a Python f-string), or is a part of one name or number of the code.
//   - in a PowerShell script, it holds a backslash before a quote: the
//     POSIX reading keeps \" inside a string, but PowerShell's escape is
//     the backtick, so the quote ends the string there;
//   - for -EncodedCommand: it is the whole encoded argument; or it lies
//     inside it and the characters of the decoded script that its base64
//     characters determine entirely change the script's structure
//     (shell.CheckRange); or it changes the structure of the decoded script
//     like an input of a clear script.
//
// Below two bytes (white space aside) only the program rule applies: one
// byte is a separator or a command, not both. When no input occurs in argv,
// Check does not allocate, except to decode an -EncodedCommand.
//
// # Known limits
//
//   - A bare program name is reported when the input equals it, whatever
//     its length: a request string that happens to equal the program
//     (a form field named "file" when the application runs file(1)) is
//     reported too.
//   - An argument that is the value of an option taking one (grep -e
//     -pattern) and starts with '-' counts as an option when an input
//     equals it: which options take values is program-specific.
//   - PowerShell syntax is approximated by POSIX tokenization (a backtick
//     is read as a substitution, so it is reported rather than missed;
//     here-strings and <# #> comments are not modelled). Through
//     ShellScript the shell-injection detector judges a PowerShell script
//     by the POSIX rules alone: the backslash-quote rule above is Check's,
//     so an input that appears only in a decoded -EncodedCommand (not in
//     argv) is judged without it.
//   - Interpreter scripts are not parsed: an input inside a comment of the
//     script counts as code; a script file run by an interpreter (python
//     x.py) is not read; only the first -e of perl or ruby is judged; awk,
//     sed, find -exec, tar --to-command, git -c, flock -c, script -c and
//     env -S are not followed, and only an input that itself became the
//     option is caught there.
//   - An input split by the application into several arguments is caught
//     by the boundary rule only when its parts are contiguous elements.
package cmdi
