// Package transform holds the value transformers that rules apply before their
// operators run (lowercase, url_decode, normalize_path, ...), one file each,
// registered by their ruleset names.
//
// A transformer appends the transformed form of src to dst and returns the
// extended slice, so the engine can reuse one buffer per transformer chain.
package transform

import (
	"fmt"
	"sort"
)

// Func appends the transformation of src to dst and returns the result.
// It must not retain or modify src, and must not allocate when dst has
// enough capacity.
type Func func(dst, src []byte) []byte

var (
	funcs   = map[string]Func{}
	aliases = map[string]string{}
)

// register adds a transformer under name and its legacy aliases. It panics on
// an empty or duplicate name; it is only called from init functions.
func register(name string, f Func, alias ...string) {
	if name == "" || f == nil {
		panic("transform: register with empty name or nil func")
	}
	if _, dup := funcs[name]; dup {
		panic(fmt.Sprintf("transform: %q registered twice", name))
	}
	funcs[name] = f
	for _, a := range alias {
		if _, dup := aliases[a]; dup {
			panic(fmt.Sprintf("transform: alias %q registered twice", a))
		}
		aliases[a] = name
	}
}

// Lookup returns the transformer registered under name (or one of its
// aliases, such as libddwaf's legacy camelCase names) and its canonical name.
func Lookup(name string) (f Func, canonical string, ok bool) {
	if c, isAlias := aliases[name]; isAlias {
		name = c
	}
	f, ok = funcs[name]
	return f, name, ok
}

// Names returns the canonical names of all registered transformers, sorted.
func Names() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
