package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/rampartsec/rampart"
)

// version is the release's version, stamped at build time by
// scripts/release.sh: go build -ldflags "-X main.version=v1.2.3".
var version string

// buildVersion is the version `rampart version` reports: the stamped one,
// else the module's version recorded in the build info (what
// `go install github.com/rampartsec/rampart/cmd/rampart@v1.2.3` builds, or
// a VCS pseudo-version), else "(devel)".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionCmd prints the binary's version, the library's (the one its
// events carry), the Go release and the platform, and says when it is the
// Lambda extension's build.
func versionCmd(args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("version takes no arguments")
	}
	build := ""
	if len(backendCommands) == 0 {
		build = ", lambdaext build"
	}
	_, err := fmt.Fprintf(out, "rampart %s (library %s, %s %s/%s%s)\n", buildVersion(), rampart.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, build)
	return err
}
