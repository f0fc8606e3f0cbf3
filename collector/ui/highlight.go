package ui

import (
	"strings"
	"unicode/utf8"
)

// highlighted is a resource (a SQL statement, a command, a URL, a path)
// split around the user input found in it. The template writes the three
// parts as text, the match inside <mark>: the resource is never markup.
type highlighted struct {
	Before, Match, After string
	// Found is false when the input could not be located.
	Found bool
}

// highlight splits res around the input at byte offsets [start, end),
// as the library reported them. Offsets that do not fit the resource or
// split a UTF-8 sequence are ignored, and the input is searched for instead.
func highlight(res, input string, start, end int) highlighted {
	if start >= 0 && start < end && end <= len(res) && utf8.RuneStart(res[start]) && (end == len(res) || utf8.RuneStart(res[end])) &&
		(input == "" || strings.Contains(res[start:end], input) || strings.Contains(input, res[start:end])) {
		return highlighted{Before: res[:start], Match: res[start:end], After: res[end:], Found: true}
	}
	if input != "" {
		if i := strings.Index(res, input); i >= 0 {
			return highlighted{Before: res[:i], Match: input, After: res[i+len(input):], Found: true}
		}
	}
	return highlighted{Before: res}
}

// highlightSent splits a value as the client sent it around the part a
// rule matched in its transformed form: found as it is, else ignoring
// case (when lower-casing keeps the value's byte length, so the offsets
// hold). The matched part may not be in the value as sent at all (it was
// URL- or Base64-encoded): then nothing is marked.
func highlightSent(sent, match string) highlighted {
	if h := highlight(sent, match, -1, -1); h.Found || match == "" {
		return h
	}
	ls := strings.ToLower(sent)
	if len(ls) != len(sent) {
		return highlighted{Before: sent}
	}
	if i := strings.Index(ls, strings.ToLower(match)); i >= 0 {
		return highlighted{Before: sent[:i], Match: sent[i : i+len(match)], After: sent[i+len(match):], Found: true}
	}
	return highlighted{Before: sent}
}
