package redact

import "testing"

func TestKey(t *testing.T) {
	for k, want := range map[string]bool{
		"password": true, "Passwd": true, "user_password": true, "api_key": true, "X-Api-Key": true,
		"authorization": true, "Cookie": true, "session_id": true, "access_token": true, "client-secret": true,
		"jwt": true, "key": true, "otp": true, "credit_card": true,
		"name": false, "q": false, "email": false, "page": false, "keyboard": false, "monkey_count": false, "": false,
	} {
		if got := Key(k); got != want {
			t.Errorf("Key(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestValue(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc.def":                           "Bearer " + Placeholder,
		"basic dXNlcjpwdw==":                       "basic " + Placeholder,
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig": Placeholder,
		"ordinary value":                           "ordinary value",
		"TOKEN x":                                  "TOKEN " + Placeholder,
		"tok":                                      "tok",
		"to\u212aen x":                             "to\u212aen x", // the Kelvin sign is no k here
	} {
		if got := Value(in); got != want {
			t.Errorf("Value(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo", 2); got != "h…" {
		t.Errorf("Truncate cut inside a rune: %q", got)
	}
	if got := Truncate("abc", 3); got != "abc" {
		t.Errorf("Truncate(abc, 3) = %q", got)
	}
}
