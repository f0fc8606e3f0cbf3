// Package cmdi checks whether a request input changed what an argument
// vector runs when a program is executed without a shell (exec.Command,
// os.StartProcess): the argv form of the command-injection test of the RASP.
//
// # Rules
//
// Check reports an input (at least MinInput bytes) when:
//
//   - it is the program: argv[0] itself, or the tail of argv[0] after a path
//     separator (its base name or a partial path), also after launchers
//     such as env, sudo, nice, nohup and timeout;
//   - it starts with '-' and an argument before any "--" equals it or starts
//     with it: the input became an option (--output=..., -e sh ...) rather
//     than a value inside one (--grep=-x stays a value);
//   - the program is a shell or interpreter given an inline script and the
//     input changes the script's structure: POSIX shells (sh, bash, dash,
//     zsh, ksh, ash, busybox ...) with -c or a flag cluster containing c
//     are judged by package rasp/shell; PowerShell (powershell, pwsh) with
//     -Command, -c or a bare command line, approximately, by rasp/shell too;
//     cmd.exe with /c, /k or /r by its metacharacters (& | < > ( ) ^ outside
//     double quotes, a double quote, %var% and !var! expansions); python -c,
//     perl -e/-E, ruby -e, node -e/--eval/-p, php -r by whether the input
//     stays inside one string literal of the script without touching its
//     quotes, ending with a backslash or adding an interpolation (${ #{ @{
//     $( ` in interpolating strings, { in a Python f-string).
//
// Arguments after the script (sh -c 'script' name args) are positional data
// and never judged. When no input occurs in argv beyond argv[0], Check
// returns without allocating.
//
// # Known limits
//
//   - An input split across several argv elements is only seen by the
//     program rule and, for cmd.exe and PowerShell, whose command line is
//     the elements joined with spaces, only when it also occurs in one
//     element.
//   - PowerShell syntax is approximated by POSIX tokenization (backtick is
//     read as a substitution, so it is reported rather than missed).
//   - Interpreter scripts are not parsed: an input inside a comment of the
//     script counts as code; a script file run by an interpreter (python
//     x.py) is not read; options that take an argument on programs other
//     than the shells (find -exec, tar --to-command, git -c) are only caught
//     when the input itself became the option.
//   - Short inputs (below MinInput) are ignored, so a two-letter program
//     name chosen by the user (sh) is not reported.
package cmdi
