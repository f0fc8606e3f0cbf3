package jsonscan

import "github.com/rampartsec/rampart/internal/hexdigit"

// Valid reports whether b is one JSON value with optional whitespace
// around it, exactly as encoding/json's Valid does (strings may hold any
// byte from 0x20 up, valid UTF-8 or not), but several times faster: the
// ruleset loader validates every document it parses. Containers nest to
// any depth; the nesting is kept in a slice, not on the call stack.
func Valid(b []byte) bool {
	var stack []byte // '{' or '[' of each open container
	i := Space(b, 0)
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false
		}
		switch c := b[i]; c {
		case '{', '[':
			i = Space(b, i+1)
			if i < len(b) && b[i] == c+2 { // '}' or ']'
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i = key(b, i); i < 0 {
					return false
				}
			}
			continue
		case '"':
			if i = validString(b, i); i < 0 {
				return false
			}
		case 't':
			if i = literal(b, i, "true"); i < 0 {
				return false
			}
		case 'f':
			if i = literal(b, i, "false"); i < 0 {
				return false
			}
		case 'n':
			if i = literal(b, i, "null"); i < 0 {
				return false
			}
		default:
			var err Error
			if i, err = Number(b, i); err != OK {
				return false
			}
		}
		// After a value: a separator or the end of containers.
		for {
			i = Space(b, i)
			if len(stack) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			top := stack[len(stack)-1]
			if b[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return false
			}
			i = Space(b, i+1)
			if top == '{' {
				if i = key(b, i); i < 0 {
					return false
				}
			}
			break
		}
	}
}

// key reads an object member's key and its colon at b[i] and returns the
// index of the value after them, or -1.
func key(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = validString(b, i); i < 0 {
		return -1
	}
	if i = Space(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return Space(b, i+1)
}

// literal checks that b[i:] starts with word and returns the index past
// it, or -1.
func literal(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// strByte classifies the bytes of a string: 1 for the bytes that end the
// fast scan (the quote, the backslash, control bytes).
var strByte = func() (t [256]byte) {
	for c := 0; c < 0x20; c++ {
		t[c] = 1
	}
	t['"'], t['\\'] = 1, 1
	return t
}()

// validString validates the string whose quote is at b[i] and returns the
// index past its closing quote, or -1.
func validString(b []byte, i int) int {
	for i++; ; i++ {
		for i+4 <= len(b) && strByte[b[i]]|strByte[b[i+1]]|strByte[b[i+2]]|strByte[b[i+3]] == 0 {
			i += 4
		}
		for i < len(b) && strByte[b[i]] == 0 {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(b)-i < 6 || !hexdigit.Is(b[i+2]) || !hexdigit.Is(b[i+3]) || !hexdigit.Is(b[i+4]) || !hexdigit.Is(b[i+5]) {
					return -1
				}
				i += 5
			default:
				return -1
			}
		default: // a control byte
			return -1
		}
	}
}
