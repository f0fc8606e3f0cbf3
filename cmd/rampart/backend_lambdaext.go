//go:build lambdaext

package main

// backendCommands is empty in the Lambda extension's build (-tags
// lambdaext): serve, demo and simulate are left out.
var backendCommands = map[string]func(args []string) error{}
