// Package hexdigit reads hexadecimal digits for the decoders that meet
// them: percent-escapes, \x and \u escapes, SQL hex literals, IPv4 parts
// written in hex. Each function is small enough for the compiler to inline
// into its caller's loop (a table lookup, no branch on the digit's range).
package hexdigit

// digits maps a byte to 0x10 | its value when it is a hexadecimal digit,
// to 0 otherwise. It is laid out by the compiler (no init code) and never
// written.
var digits = [256]byte{
	'0': 0x10, '1': 0x11, '2': 0x12, '3': 0x13, '4': 0x14,
	'5': 0x15, '6': 0x16, '7': 0x17, '8': 0x18, '9': 0x19,
	'a': 0x1a, 'b': 0x1b, 'c': 0x1c, 'd': 0x1d, 'e': 0x1e, 'f': 0x1f,
	'A': 0x1a, 'B': 0x1b, 'C': 0x1c, 'D': 0x1d, 'E': 0x1e, 'F': 0x1f,
}

// Is reports whether c is a hexadecimal digit: 0-9, a-f or A-F.
func Is(c byte) bool { return digits[c] != 0 }

// Value returns the value of the hexadecimal digit c, and false (with 0)
// when c is not one.
func Value(c byte) (byte, bool) {
	d := digits[c]
	return d & 0xf, d != 0
}

// Pair returns the byte that the hexadecimal digits hi and lo write (as in
// %4A), and false (with 0) when either is not a hexadecimal digit.
func Pair(hi, lo byte) (byte, bool) {
	h, l := digits[hi], digits[lo]
	if h&l == 0 {
		return 0, false
	}
	return h<<4 | l&0xf, true
}
