package loopback

import (
	"context"
	"errors"
	"net"
	"testing"
)

func TestIs(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:80", true},
		{"127.9.9.9:443", true},
		{"[::1]:8080", true},
		{"169.254.169.254:80", false},
		{"203.0.113.10:80", false},
		{"localhost:80", false}, // a name, not an address: never resolved here
		{"127.0.0.1", false},    // no port
	} {
		if got := Is(c.addr); got != c.want {
			t.Errorf("Is(%q) = %v, want %v", c.addr, got, c.want)
		}
	}
}

func TestDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dialing loopback: %v", err)
	}
	c.Close()
	if c, err := Dial(context.Background(), "tcp", "192.0.2.1:80"); err == nil {
		c.Close()
		t.Fatal("dialed 192.0.2.1")
	}
}

func TestResolver(t *testing.T) {
	r := Resolver{"rebind.attacker.test": "127.0.0.1"}
	ips, err := r.LookupNetIP(context.Background(), "ip", "rebind.attacker.test")
	if err != nil || len(ips) != 1 || ips[0].String() != "127.0.0.1" {
		t.Fatalf("table name: %v %v", ips, err)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupNetIP(context.Background(), "ip", "example.com"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Fatalf("unknown name: %v, want a not-found DNS error", err)
	}
	if d := Dialer(r); d.Resolver == nil || d.Dial == nil {
		t.Fatalf("Dialer: %+v", d)
	}
}
