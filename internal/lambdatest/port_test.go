package lambdatest

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A port held outside the lock is reported with its holder: this
// process, listening on it; a closed port has none and is free.
func TestHolder(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	want := "pid " + strconv.Itoa(os.Getpid()) + " "
	if got := Holder(addr); !strings.HasPrefix(got, want) || !strings.Contains(got, "lambdatest.test") {
		t.Errorf("Holder(%s) = %q, want %q... and this test's command line", addr, got, want)
	}
	err = waitFree(addr, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("waitFree of a held port: %v, want the holder named", err)
	}
	t.Log(err)
	ln.Close()
	if got := Holder(addr); got != "" {
		t.Errorf("Holder(%s) of a closed port = %q", addr, got)
	}
	if err := waitFree(addr, time.Second); err != nil {
		t.Errorf("waitFree of a closed port: %v", err)
	}
}
