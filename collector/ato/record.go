package ato

import (
	"strconv"
	"strings"
)

// attempt is one login attempt as the detectors store it in a Window log:
// outcome, whether the account exists, the client's IP group, the user id
// and the login.
type attempt struct {
	success bool
	exists  existence
	ip      string // IP group: an address or a prefix; never holds '\x1f'
	id      string
	login   string
}

// existence is what the application said about the account: yes, no, or
// nothing.
type existence byte

const (
	existsUnknown existence = 'u'
	existsYes     existence = 'y'
	existsNo      existence = 'n'
)

func (x existence) ptr() *bool {
	switch x {
	case existsYes:
		t := true
		return &t
	case existsNo:
		f := false
		return &f
	}
	return nil
}

// encode writes a as an Entry value:
//
//	outcome(s|f) exists(y|n|u) ip 0x1f len(id) ':' id login
//
// The id is length-prefixed and the login is the rest, so both may hold
// any byte; the IP group is a formatted address or prefix.
func (a attempt) encode() string {
	var b strings.Builder
	b.Grow(8 + len(a.ip) + len(a.id) + len(a.login))
	if a.success {
		b.WriteByte('s')
	} else {
		b.WriteByte('f')
	}
	b.WriteByte(byte(a.exists))
	b.WriteString(a.ip)
	b.WriteByte(0x1f)
	b.WriteString(strconv.Itoa(len(a.id)))
	b.WriteByte(':')
	b.WriteString(a.id)
	b.WriteString(a.login)
	return b.String()
}

// decodeAttempt parses an Entry value written by encode. It reports false
// for anything else (a value from another version, or garbage in a shared
// store), which the detectors skip.
func decodeAttempt(s string) (attempt, bool) {
	var a attempt
	if len(s) < 2 {
		return a, false
	}
	switch s[0] {
	case 's':
		a.success = true
	case 'f':
	default:
		return a, false
	}
	switch x := existence(s[1]); x {
	case existsYes, existsNo, existsUnknown:
		a.exists = x
	default:
		return a, false
	}
	rest := s[2:]
	sep := strings.IndexByte(rest, 0x1f)
	if sep < 0 {
		return a, false
	}
	a.ip, rest = rest[:sep], rest[sep+1:]
	colon := strings.IndexByte(rest, ':')
	if colon <= 0 || colon > 10 {
		return a, false
	}
	n, err := strconv.Atoi(rest[:colon])
	if err != nil || n < 0 || n > len(rest)-colon-1 || strconv.Itoa(n) != rest[:colon] {
		return a, false
	}
	rest = rest[colon+1:]
	a.id, a.login = rest[:n], rest[n:]
	return a, true
}
