package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sizeProbes are the programs under binsize/: a hello-world net/http server
// alone ("hello") and the same server with one engine initialized.
var sizeProbes = []string{"rampart", "libddwaf", "coraza-crs", "dd-trace-go-appsec"}

// binarySizes builds each probe with the default flags of `go build` and
// returns the bare server's size and the growth of each probe over it, in
// MiB, plus the reason for each probe that did not build.
func binarySizes(tmp string) (float64, map[string]float64, map[string]string) {
	sizes := map[string]float64{}
	notes := map[string]string{}
	base, err := buildSize(tmp, "hello")
	if err != nil {
		notes["hello"] = err.Error()
		return 0, sizes, notes
	}
	for _, p := range sizeProbes {
		s, err := buildSize(tmp, p)
		if err != nil {
			notes[p] = err.Error()
			continue
		}
		sizes[p] = s - base
	}
	return base, sizes, notes
}

func buildSize(tmp, probe string) (float64, error) {
	out := filepath.Join(tmp, "size-"+probe)
	cmd := exec.Command("go", "build", "-o", out, "./binsize/"+probe)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i] + " ..."
		}
		return 0, fmt.Errorf("build failed: %s", msg)
	}
	st, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return float64(st.Size()) / (1 << 20), nil
}
