//go:build !lambdaext

package main

import "os"

// backendCommands are the commands that need the collector's dependencies
// (SQLite, PostgreSQL, Redis, the UI). Building with -tags lambdaext leaves
// them out, for the rampart Lambda extension's layer: a smaller binary
// that starts faster beside the function.
var backendCommands = map[string]func(args []string) error{
	"serve":    func(args []string) error { return serveCmd(args, os.Stderr) },
	"demo":     func(args []string) error { return demoCmd(args, os.Stdout) },
	"simulate": func(args []string) error { return simulateCmd(args, os.Stdout) },
}
