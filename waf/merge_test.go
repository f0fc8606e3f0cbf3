package waf_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// TestMergedViews: evaluating a view's chain groups merged (the targets of
// the chains that leave a value as it is, or only lowercase it, in two
// sets, or the chains but shell_unescape's when it changes more than the
// letters), the chains that a value's escapes, comments or entities do not
// change merged beside those it does (partial views), and a target set
// once on the same bytes, finds exactly what
// evaluating them group by group, every set on every form, finds: on every
// request of the corpus and on values that each transformer changes.
func TestMergedViews(t *testing.T) {
	opts := waf.Options{AllMatches: true, ValueCache: -1, NoWarmUp: true}
	merged := newEngineWith(t, opts)
	if !merged.Merged() {
		t.Fatal("no view of the default ruleset is merged")
	}
	plain := newEngineWith(t, opts)
	plain.Unmerge()
	rules := func(e *waf.Engine, p prepared) []string {
		c := e.NewContext()
		defer c.Close()
		var ids []string
		for _, run := range [][]waf.Address{p.hdr, p.body} {
			if len(run) == 0 {
				continue
			}
			for _, m := range c.Run(run).Matches {
				ids = append(ids, m.RuleID+"@"+m.Address+":"+strings.Join(m.KeyPath, "."))
			}
		}
		slices.Sort(ids)
		return ids
	}
	reqs := prepare(t, "")
	// Values each transformer changes, upper-case letters, shell spaces,
	// stack frames, comments, entities, escapes, in a query and a header.
	for _, v := range []string{
		"SELECT * FROM users", "cat  /etc/passwd", "c'a't /etc/passwd", "ls ;id",
		"at com.acme.App.main(App.java:42)", "1/**/UNION/**/SELECT 2", "&lt;script&gt;alert(1)",
		`\u003cscript\u003e`, "a%20b%27%20or%201=1", "Mozilla/5.0 (X11; Linux) ${jndi:ldap://x}",
		"<ScRiPt>alert(1)</sCrIpT>", "; DROP TABLE users--", "plain words only", "UPPER Case Words",
		"It's the best, really", `a, b and 'c' UNION SELECT 1`, `Tom's "quoted" text, with commas; cat /etc/passwd`,
		"two  spaces then /etc/passwd", "x = 1, y = 2 OR 1=1",
		"a%27 /* note */ &amp; b", "%3Cscript%3Ealert(1)%3C/script%3E -- x", "It&#39;s %2e%2e/%2e%2e/etc/passwd",
		`Caf\u00e9 &quot;menu&quot; %20 #1`, "id=1%20UNION%20SELECT%20password%20FROM%20users--",
	} {
		reqs = append(reqs, prepared{hdr: []waf.Address{
			{Name: waf.AddrQuery, Value: waf.Map([]waf.Field{{Key: "q", Value: waf.Strings(v)}})},
			{Name: waf.AddrHeaders, Value: waf.Map([]waf.Field{{Key: "user-agent", Value: waf.Strings(v)}, {Key: "x-note", Value: waf.Strings(v)}})},
		}})
	}
	differ := 0
	for i, p := range reqs {
		a, b := rules(merged, p), rules(plain, p)
		if !slices.Equal(a, b) {
			differ++
			if differ <= 5 {
				t.Errorf("request %d: merged %v, group by group %v", i, a, b)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d requests differ", differ, len(reqs))
	}
	if n := merged.Partials(); n < 10 {
		t.Errorf("%d partial views built, want the corpus to build some", n)
	}
}
