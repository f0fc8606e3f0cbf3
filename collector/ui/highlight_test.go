package ui

import (
	"testing"
	"time"
)

func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		name, res, input     string
		start, end           int
		before, match, after string
	}{
		{"offsets", "SELECT * FROM t WHERE a = 'x' OR 1=1--'", "x' OR 1=1--", 27, 38, "SELECT * FROM t WHERE a = '", "x' OR 1=1--", "'"},
		{"unknown offsets: searched", "ping -c 1 1.1.1.1;id", "1.1.1.1;id", 0, 0, "ping -c 1 ", "1.1.1.1;id", ""},
		{"offsets past the end", "GET /a", "/a", 4, 99, "GET ", "/a", ""},
		{"negative start", "GET /a", "/a", -3, 2, "GET ", "/a", ""},
		{"offsets split a rune", "é/../etc", "../etc", 1, 3, "é/", "../etc", ""},
		{"offsets elsewhere", "aaa bbb", "bbb", 0, 3, "aaa ", "bbb", ""},
		{"not found", "SELECT 1", "zzz", 0, 0, "SELECT 1", "", ""},
		{"empty input, good offsets", "abc", "", 1, 2, "a", "b", "c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := highlight(tc.res, tc.input, tc.start, tc.end)
			if h.Before != tc.before || h.Match != tc.match || h.After != tc.after || h.Found != (tc.match != "") {
				t.Fatalf("got %+v", h)
			}
			if h.Before+h.Match+h.After != tc.res {
				t.Fatalf("the parts do not make the resource: %+v", h)
			}
		})
	}
}

func FuzzHighlight(f *testing.F) {
	f.Add("SELECT 'x'", "x", 8, 9)
	f.Add("é", "é", 1, 2)
	f.Fuzz(func(t *testing.T, res, input string, start, end int) {
		h := highlight(res, input, start, end)
		if h.Before+h.Match+h.After != res {
			t.Fatalf("parts %+v do not make %q", h, res)
		}
		if h.Found != (h.Match != "") && input != "" {
			t.Fatalf("Found %v with match %q", h.Found, h.Match)
		}
	})
}

func TestStackedChart(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := stacked("x", start, time.Minute, []string{"a", "b"}, []string{"ca", "cb"}, []int64{0, 3, 10}, []int64{0, 1, 0})
	if len(c.Bars) != 3 || c.Empty || c.Legend[0].Total != 13 || c.Legend[1].Total != 1 {
		t.Fatalf("%+v", c)
	}
	base := float64(chartH - chartBottom)
	// the tallest column is 10 of a nice maximum of 10: full height
	if tallest := c.Bars[2]; tallest.Y != chartTop || tallest.Y+tallest.H != base {
		t.Fatalf("tallest bar %+v", tallest)
	}
	// stacked: b sits on a
	if a, b := c.Bars[0], c.Bars[1]; b.Y+b.H != a.Y || a.Y+a.H != base {
		t.Fatalf("not stacked: %+v %+v", a, b)
	}
	if e := stacked("x", start, time.Minute, []string{"a"}, []string{"ca"}, []int64{0, 0}); !e.Empty || len(e.Bars) != 0 {
		t.Fatalf("empty chart %+v", e)
	}
	for m, want := range map[int64]int64{0: 4, 3: 4, 7: 10, 11: 20, 120: 200, 499: 500} {
		if got := niceMax(m); got != want {
			t.Errorf("niceMax(%d) = %d, want %d", m, got, want)
		}
	}
}

func TestPasswords(t *testing.T) {
	h, err := hashPassword("correct horse battery", 1000)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPassword("correct horse battery", 1000)
	if h == h2 {
		t.Fatal("no salt")
	}
	if !checkPassword(h, "correct horse battery") || checkPassword(h, "correct horse batterx") || checkPassword(h, "") {
		t.Fatal("checkPassword")
	}
	for _, bad := range []string{"", "pbkdf2-sha256$x$y$z", "md5$1$AA$AA", "pbkdf2-sha256$99999999999$AA$AA"} {
		if checkPassword(bad, "") {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHighlightSent(t *testing.T) {
	for _, tc := range []struct {
		sent, match         string
		before, mark, after string
	}{
		{"x' OR 1=1--", "' or 1=1--", "x", "' OR 1=1--", ""},
		{"<SCRIPT>Alert(1)", "<script>", "", "<SCRIPT>", "Alert(1)"},
		{"a' or 'b", "' or '", "a", "' or '", "b"},
		{"%3Cscript%3E", "<script>", "%3Cscript%3E", "", ""}, // encoded: not in the value as sent
		{"İx' OR 1", "' or 1", "İx' OR 1", "", ""},           // lower-casing changes the length: not searched
		{"abc", "", "abc", "", ""},
	} {
		h := highlightSent(tc.sent, tc.match)
		if h.Before != tc.before || h.Match != tc.mark || h.After != tc.after || h.Found != (tc.mark != "") {
			t.Errorf("%q in %q: %+v", tc.match, tc.sent, h)
		}
	}
}
