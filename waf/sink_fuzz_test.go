package waf

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf/rules"
)

// FuzzRunSink evaluates the default exploit-prevention rules on an
// arbitrary sink call and request input. Properties: no panic; a reported
// exploit's input is a request input (or the redaction placeholder), and its
// offsets, when set, point at that input inside the reported resource; a
// resource without any request input in it is never reported.
func FuzzRunSink(f *testing.F) {
	rs, _, err := ParseRuleset(rules.Default())
	if err != nil {
		f.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: -1})
	if err != nil {
		f.Fatal(err)
	}
	sinks := []string{AddrDBStatement, AddrNetURL, AddrShellCmd, AddrExecCmd, AddrFSFile}
	f.Add(uint8(0), "x' OR 1=1 --", "SELECT * FROM t WHERE a = 'x' OR 1=1 --'", "sqlite")
	f.Add(uint8(1), "http://127.0.0.1:22/", "http://127.0.0.1:22/", "")
	f.Add(uint8(2), "a; id", "ping -c 1 a; id", "")
	f.Add(uint8(3), "-oProxyCommand=id", "ssh -oProxyCommand=id host", "")
	f.Add(uint8(4), "../../etc/passwd", "/srv/www/../../etc/passwd", "")
	f.Add(uint8(0), "alice", "SELECT * FROM t WHERE a = 'alice'", "postgresql")
	f.Fuzz(func(t *testing.T, kind uint8, input, resource, system string) {
		c := e.NewContext()
		defer c.Close()
		c.Run([]Address{{Name: AddrQuery, Value: Map([]Field{{Key: "q", Value: Strings(input)}})}})
		sink := sinks[int(kind)%len(sinks)]
		addrs := []Address{{Name: sink, Value: String(resource)}, {Name: AddrDBSystem, Value: String(system)}}
		if sink == AddrExecCmd {
			addrs[0].Value = Strings(strings.Fields(resource)...)
		}
		res := c.RunSink(addrs)
		for _, m := range res.Matches {
			x := m.Exploit
			if x == nil {
				t.Fatalf("sink match without an exploit: %+v", m)
			}
			if x.Input != input && x.Input != "<redacted>" {
				t.Fatalf("reported input %q, the request's was %q", x.Input, input)
			}
			if x.End != 0 && (x.Start < 0 || x.End > len(x.Resource) || x.Resource[x.Start:x.End] != x.Input) {
				t.Fatalf("offsets [%d:%d] of %q are not %q", x.Start, x.End, x.Resource, x.Input)
			}
			if sink != AddrExecCmd && !strings.Contains(resource, input) {
				t.Fatalf("reported %q, which is not in %q", input, resource)
			}
		}
	})
}
