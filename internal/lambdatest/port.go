package lambdatest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runtimeAPIAddr is the emulator's fixed Runtime API address.
const runtimeAPIAddr = "127.0.0.1:9001"

// Holder describes who listens on the TCP port of addr (host:port) on
// this machine, from
// /proc/net/tcp, /proc/net/tcp6 and the processes' descriptors: "pid N
// (uid U): command line" for each listener found, or what is known of one
// whose process this user cannot see (another user's). It returns "" when
// no listener is found.
func Holder(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return ""
	}
	var found []string
	for _, inode := range listeners(port) {
		pid := socketPID(inode.inode)
		if pid == "" {
			found = append(found, fmt.Sprintf("a process of uid %s not visible to this user (socket inode %s)", inode.uid, inode.inode))
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		found = append(found, fmt.Sprintf("pid %s (uid %s): %s", pid, inode.uid, strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))))
	}
	return strings.Join(found, "; ")
}

// socket is a listening socket of /proc/net/tcp*.
type socket struct{ inode, uid string }

// listeners returns the listening sockets on port.
func listeners(port int) []socket {
	var out []socket
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 || fs[3] != "0A" { // TCP_LISTEN
				continue
			}
			i := strings.LastIndexByte(fs[1], ':')
			if p, err := strconv.ParseUint(fs[1][i+1:], 16, 16); err != nil || int(p) != port {
				continue
			}
			out = append(out, socket{inode: fs[9], uid: fs[7]})
		}
		f.Close()
	}
	return out
}

// socketPID returns the pid of a process with a descriptor on the socket
// inode, or "" when none this user can read has one.
func socketPID(inode string) string {
	want := "socket:[" + inode + "]"
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && l == want {
			return strings.Split(fd, "/")[2]
		}
	}
	return ""
}
