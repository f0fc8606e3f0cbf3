package ui

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/waf/rules"
)

// ruleNames maps the ids of the default ruleset's rules (request and
// exploit-prevention rules) to their names, read once.
var ruleNames = sync.OnceValue(func() map[string]string {
	var rs struct {
		Rules []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rules"`
	}
	m := map[string]string{}
	if json.Unmarshal(rules.Default(), &rs) != nil {
		return m
	}
	for _, r := range rs.Rules {
		if r.ID != "" && r.Name != "" {
			m[r.ID] = r.Name
		}
	}
	return m
})

// ruleName returns the name of the rule id, or "" when the default
// ruleset has no such rule.
func ruleName(id string) string { return ruleNames()[id] }

// deployRoots are directories code is commonly deployed under (AWS
// Lambda's /var/task, container images' /app, ...): a path under one is
// shown relative to it.
var deployRoots = []string{"/var/task/", "/usr/src/app/", "/app/", "/workspace/", "/srv/", "/opt/"}

// shortPath returns a source path as a person reads it: relative to the
// module cache, site-packages, a GOPATH src directory or a common deploy
// root, else its last three elements.
func shortPath(p string) string {
	if !strings.HasPrefix(p, "/") && !(len(p) > 2 && p[1] == ':') {
		return p
	}
	for _, m := range []string{"/pkg/mod/", "/site-packages/", "/dist-packages/", "/src/"} {
		if i := strings.LastIndex(p, m); i >= 0 {
			return p[i+len(m):]
		}
	}
	for _, r := range deployRoots {
		if rest, ok := strings.CutPrefix(p, r); ok {
			return rest
		}
	}
	el := strings.Split(strings.ReplaceAll(p, "\\", "/"), "/")
	if len(el) > 3 {
		return "…/" + strings.Join(el[len(el)-3:], "/")
	}
	return p
}

// shortTitle returns a signal's title with the absolute path of an
// exploit's "at file:line" made short (see shortPath).
func shortTitle(title string) string {
	i := strings.LastIndex(title, " at /")
	if i < 0 {
		return title
	}
	return title[:i+4] + shortPath(title[i+4:])
}

// funcPackage returns the import path of a Go function's package
// ("database/sql" of "database/sql.(*DB).QueryContext").
func funcPackage(fn string) string {
	slash := strings.LastIndex(fn, "/")
	if dot := strings.Index(fn[slash+1:], "."); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

// libraryFrame reports whether f is a library's internals beside the
// application frame loc: the standard library, the module cache, and
// rampart's own packages when loc is not in them.
func libraryFrame(f, loc event.Frame) bool {
	pkg := funcPackage(f.Function)
	if first, _, _ := strings.Cut(pkg, "/"); pkg != "" && !strings.Contains(first, ".") && f.Function != "" {
		return pkg != "main" // the standard library
	}
	if strings.Contains(f.File, "/pkg/mod/") || strings.Contains(f.File, "/go/src/") || strings.Contains(f.File, "site-packages/") {
		return true
	}
	const self = "github.com/rampartsec/rampart/"
	if strings.HasPrefix(pkg, self) && !strings.HasPrefix(pkg, self+"examples/") {
		return funcPackage(loc.Function) != pkg
	}
	return false
}

// stackView is a stack trace as the signal page shows it: the
// application's frames, then the library frames folded.
type stackView struct {
	App, Library []frameView
	// Packages names the folded frames' packages.
	Packages []string
}

type frameView struct {
	event.Frame
	Short string
	Here  bool
}

// foldStack splits a stack into its application frames and the library
// frames, keeping their order within each.
func foldStack(stack []event.Frame, loc *event.Frame) *stackView {
	v := &stackView{}
	var l event.Frame
	if loc != nil {
		l = *loc
	}
	seen := map[string]bool{}
	for _, f := range stack {
		fv := frameView{Frame: f, Short: shortPath(f.File), Here: loc != nil && f.File == l.File && f.Line == l.Line}
		if !fv.Here && libraryFrame(f, l) {
			v.Library = append(v.Library, fv)
			if p := funcPackage(f.Function); p != "" && !seen[p] && len(v.Packages) < 6 {
				seen[p] = true
				v.Packages = append(v.Packages, p)
			}
			continue
		}
		v.App = append(v.App, fv)
	}
	return v
}
