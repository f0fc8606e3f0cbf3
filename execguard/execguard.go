// Package execguard protects os/exec against command and shell injection:
// Command checks a program and its arguments, before the process starts,
// against the inputs of the request on the context (rampart.CheckExec):
// the input must not be the program, become an option, or inject into the
// script of a shell or interpreter run with -c. When the program is a
// POSIX shell run with -c, its script is also checked as a shell command
// line (rampart.CheckShell): the input must stay one word, adding no
// operator, separator, redirection or substitution.
//
//	cmd, err := execguard.Command(r.Context(), "sh", "-c", "ping -c 1 "+host)
//	if err != nil { ... } // errors.Is(err, rampart.ErrBlocked) in block mode
//	out, err := cmd.Output()
//
// An exploit is reported with a stack trace; in block mode Command returns
// a *rampart.BlockedError and no process is created. Without a protected
// request on the context, Command is exec.CommandContext.
package execguard

import (
	"context"
	"os/exec"

	"github.com/rampartsec/rampart"
)

// Command returns exec.CommandContext(ctx, name, arg...) once the argv
// passed the check, or the check's error (wrapping rampart.ErrBlocked).
func Command(ctx context.Context, name string, arg ...string) (*exec.Cmd, error) {
	argv := make([]string, 0, 1+len(arg))
	argv = append(append(argv, name), arg...)
	if err := rampart.CheckExec(ctx, argv); err != nil {
		return nil, err
	}
	return exec.CommandContext(ctx, name, arg...), nil
}

// Shell returns the command "sh -c script" once the script passed the
// check.
func Shell(ctx context.Context, script string) (*exec.Cmd, error) {
	return Command(ctx, "sh", "-c", script)
}

// Check checks a command built elsewhere (its Args, the program first)
// against the request on ctx; call it before cmd.Start.
func Check(ctx context.Context, cmd *exec.Cmd) error {
	argv := cmd.Args
	if len(argv) == 0 {
		argv = []string{cmd.Path}
	}
	return rampart.CheckExec(ctx, argv)
}
