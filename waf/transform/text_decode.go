package transform

import (
	"bytes"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// MinEncodedLength is the shortest value the escape and token decoders
// (EscapedText, JWTPayload) consider: shorter values carry no attack worth
// hiding, and tokens that short are the commonest false decodings.
const MinEncodedLength = 16

// MinBase64Length is the shortest value Base64Text considers: 8 characters,
// 6 bytes of text ("id;ls ", "' or 1") — an injection can be that short.
// Shorter tokens decode to too little to judge; random ones of this length
// decode to text about once in a hundred, and then to a few bytes of noise
// that no rule reads as an attack.
const MinBase64Length = 8

// MinShortBase64Length is the shortest value Base64Text decodes at all: 4
// characters, 3 bytes ("|id", ";ls"). Below MinBase64Length the decoded
// bytes count only as a command fragment: printable ASCII holding a letter
// and a shell, SQL or markup metacharacter. Short words and random tokens
// decode to bytes with the high bit set or to letters alone.
const MinShortBase64Length = 4

// MinDecodeLength is the shortest value any of the decoders considers.
const MinDecodeLength = MinShortBase64Length

// base64Any decodes both alphabets of RFC 4648 (+ and - are 62, / and _
// 63), so that one pass over a value tells whether it is Base64.
var base64Any = func() [256]byte {
	t := base64Std
	t['-'], t['_'] = 62, 63
	return t
}()

// Base64Text decodes src when all of it is one Base64 (standard or URL
// alphabet, padded or not) value of at least MinBase64Length bytes that
// decodes to text (see IsText). It appends the decoded bytes to dst and
// reports whether src was such a value; otherwise dst is returned as it
// was. Random tokens, hashes and binary data decode to bytes that are not
// text and are left alone.
func Base64Text(dst, src []byte) ([]byte, bool) {
	n := len(src)
	for n > 0 && src[n-1] == '=' {
		n--
	}
	if n < MinShortBase64Length || len(src)-n > 2 || n%4 == 1 {
		return dst, false
	}
	if len(src)-n > 0 && len(src)%4 != 0 {
		return dst, false
	}
	if n < MinBase64Length {
		d, ok := appendBase64Text(dst, src[:n], &base64Any)
		if !ok || !commandFragment(d[len(dst):]) {
			return dst, false
		}
		return d, true
	}
	return appendBase64Text(dst, src[:n], &base64Any)
}

// Base64Forms is Base64Text, then Base64Binary when src is not Base64
// text, with src decoded once for both: it appends the decoded bytes to
// dst and reports which of the two accepts src (at most one); otherwise
// dst is returned as it was.
func Base64Forms(dst, src []byte) (out []byte, text, binary bool) {
	n := len(src)
	for n > 0 && src[n-1] == '=' {
		n--
	}
	if pad := len(src) - n; pad > 2 || n%4 == 1 || pad > 0 && len(src)%4 != 0 {
		return dst, false, false
	}
	textLen, binLen := n >= MinShortBase64Length, n*6/8 >= MinBinaryText
	if !textLen && !binLen {
		return dst, false, false
	}
	start := len(dst)
	out, ok := decodeBase64(dst, src[:n], &base64Any)
	if !ok {
		return dst[:start], false, false
	}
	d := out[start:]
	if textLen && IsText(d) && (len(d) >= shortText || cleanShortText(d)) && (n >= MinBase64Length || commandFragment(d)) {
		return out, true, false
	}
	if binLen && len(d) >= MinBinaryText && mostlyPrintable(d) {
		return out, false, true
	}
	return out[:start], false, false
}

// MinBinaryText is the shortest decoded value Base64Binary accepts.
const MinBinaryText = 12

// Base64Binary decodes src when all of it is one Base64 value (as
// Base64Text reads it) whose decoded bytes are not text but printable
// ASCII in runs that other bytes separate: at least MinBinaryText bytes
// (16 characters), and three printable bytes or
// more for every run of other bytes. Traversal payloads spell their
// separators with control and lone high bytes (".\x00.\xc0%af",
// "..\xc1\x1c") that no text holds. Random bytes pass about one time in 20
// at 12 bytes, one in 70 at 24 and one in 800 at 48: they then decode to
// noise, which is evaluated as any value is and matches nothing. It
// appends the decoded bytes to dst and reports whether src was such a
// value; otherwise dst is returned as it was.
//
// What such bytes hold is read for payloads, not for their control bytes:
// any binary data has those.
func Base64Binary(dst, src []byte) ([]byte, bool) {
	return base64Where(dst, src, mostlyPrintable)
}

// base64Where appends to dst the bytes src decodes to when all of it is
// one Base64 value (as Base64Text reads it) of at least MinBinaryText
// decoded bytes that pass keep; otherwise it returns dst as it was.
func base64Where(dst, src []byte, keep func([]byte) bool) ([]byte, bool) {
	n := len(src)
	for n > 0 && src[n-1] == '=' {
		n--
	}
	if n*6/8 < MinBinaryText || len(src)-n > 2 || n%4 == 1 || len(src)-n > 0 && len(src)%4 != 0 {
		return dst, false
	}
	start := len(dst)
	dst, ok := decodeBase64(dst, src[:n], &base64Any)
	if d := dst[start:]; !ok || len(d) < MinBinaryText || !keep(d) {
		return dst[:start], false
	}
	return dst, true
}

// Base64Overlong decodes src when all of it is one Base64 value (as
// Base64Text reads it) whose decoded bytes, at least MinBinaryText, are
// ASCII but for overlong encodings of ASCII characters (0xC0 0xAE, 0xE0
// 0x80 0xAE...) and overlong lead bytes (0xC0 0xC1) before any other
// byte: at least two of those, and no more control bytes than them. This
// is how traversal payloads spell "." and "/" to get past a decoder
// (\xc0\xae\xc0\xae\xc0\xafetc\xc0\xafpasswd), too densely for IsText's one
// byte in four. It appends the decoded bytes percent-encoded (every byte
// that is not printable ASCII as %xx), the form the rules about overlong
// encodings read in a request target, and reports whether src was such a
// value; otherwise dst is returned as it was. Random bytes fail: any other
// byte with the high bit set rejects them.
func Base64Overlong(dst, src []byte) ([]byte, bool) {
	// Its first six bytes first: nearly every token that is not such a
	// value fails there, for an eighth of decoding it whole. (src is at
	// least 16 characters when base64Where can accept it.)
	if len(src) >= 16 {
		var head [6]byte
		if h, ok := decodeBase64(head[:0], src[:8], &base64Any); !ok || !overlongStart(h) {
			return dst, false
		}
	}
	start := len(dst)
	dst, ok := base64Where(dst, src, overlongASCII)
	if !ok {
		return dst, false
	}
	d := dst[start:]
	// Percent-encode in place, from the end: the encoded form is longer.
	odd := 0
	for _, c := range d {
		if c < 0x20 || c >= 0x7F {
			odd++
		}
	}
	dst = append(dst, make([]byte, 2*odd)...)
	j := len(dst)
	for i := start + len(d) - 1; i >= start; i-- {
		c := dst[i]
		if c < 0x20 || c >= 0x7F {
			j -= 3
			dst[j], dst[j+1], dst[j+2] = '%', lowerHex[c>>4], lowerHex[c&15]
		} else {
			j--
			dst[j] = c
		}
	}
	return dst, true
}

const lowerHex = "0123456789abcdef"

// overlongStart reports whether b can start bytes that overlongASCII
// accepts: its walk, where a sequence cut off by b's end passes.
func overlongStart(b []byte) bool {
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c < 0x80:
			i++
		case c == 0xC0 || c == 0xC1:
			if i+1 < len(b) && b[i+1] >= 0x80 {
				i += 2
			} else {
				i++
			}
		case c == 0xE0 || c == 0xF0 || c == 0xF8 || c == 0xFC:
			if n := overlong(b[i:]); n > 0 {
				i += n
			} else {
				return len(b)-i < 6 // cut off by b's end, or not overlong
			}
		default:
			return false
		}
	}
	return true
}

// overlongASCII reports whether b is ASCII but for at least two overlong
// encodings or lone overlong leads, and holds no more control bytes than
// those (see Base64Overlong).
func overlongASCII(b []byte) bool {
	seqs, ctl := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x20 || c == 0x7F:
			ctl++
			i++
		case c < 0x80:
			i++
		case c == 0xC0 || c == 0xC1:
			seqs++
			if i+1 < len(b) && b[i+1] >= 0x80 {
				i += 2 // with its continuation, well formed or not
			} else {
				i++
			}
		case overlong(b[i:]) > 0:
			seqs++
			i += overlong(b[i:])
		default:
			return false
		}
	}
	return seqs >= 2 && ctl <= seqs
}

// mostlyPrintable reports whether b is printable ASCII in runs that
// other bytes separate: three printable bytes or more for every run of
// other bytes.
func mostlyPrintable(b []byte) bool {
	printable, runs := 0, 0
	prev := true
	for _, c := range b {
		p := c >= 0x20 && c < 0x7F
		if p {
			printable++
		} else if prev {
			runs++
		}
		prev = p
	}
	return printable >= 3*runs
}

// commandFragment reports whether a short decoded value can be an
// injection: printable ASCII (no line break: "City" decodes to "\n+r") with a letter and one of
// the metacharacters that end a command, a literal or a tag, or with two of
// them ("'<='", "$[]").
func commandFragment(b []byte) bool {
	letter, meta := false, 0
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c == ';' || c == '|' || c == '&' || c == '$' || c == '`' || c == '\'' || c == '"' || c == '<' || c == '>' ||
			c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']' || c == '#':
			meta++
		case c < 0x20 || c > 0x7E:
			return false
		}
	}
	return meta >= 2 || letter && meta > 0
}

// appendBase64Text appends src decoded with the alphabet table (0xFF: not
// in it), and reports whether all of it was in the alphabet
// and the result is text; otherwise dst is returned as it was.
func appendBase64Text(dst, src []byte, table *[256]byte) ([]byte, bool) {
	start := len(dst)
	dst, ok := decodeBase64(dst, src, table)
	if d := dst[start:]; !ok || !IsText(d) || len(d) < shortText && !cleanShortText(d) {
		return dst[:start], false
	}
	return dst, true
}

// decodeBase64 appends src decoded with the alphabet table (0xFF: not in
// it) and reports whether all of it was in the alphabet; otherwise dst is
// returned as it was.
func decodeBase64(dst, src []byte, table *[256]byte) ([]byte, bool) {
	start := len(dst)
	var acc uint32
	bitsIn := 0
	for _, c := range src {
		v := table[c]
		if v == 0xFF {
			return dst[:start], false
		}
		acc = acc<<6 | uint32(v)
		bitsIn += 6
		if bitsIn >= 8 {
			bitsIn -= 8
			dst = append(dst, byte(acc>>uint(bitsIn)))
		}
	}
	return dst, true
}

// shortText is the length under which decoded bytes must be clean text
// (see cleanShortText): a short word or code in capitals decodes to a few
// ASCII bytes, now and then with a control character or a bare CR among
// them ("RHINOCEROS" is "Dr\r8!\x119"), which the protocol rules would
// read as a header injection.
const shortText = 16

// cleanShortText reports whether b holds no control character but tab and
// line breaks, and its CRs are those of CRLF pairs.
func cleanShortText(b []byte) bool {
	for i, c := range b {
		switch {
		case c == '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case c < 0x20 && c != '\t' && c != '\n', c == 0x7F:
			return false
		}
	}
	return true
}

// IsText reports whether b is text: valid UTF-8 with at most one control
// character (other than tab, line feed and carriage return; NUL counts)
// per 32 bytes, and one more; or, 12 bytes or more with no control
// character, tab or line break, UTF-8 but for at most one byte in 4 that
// is a Latin-1 letter (0xC0-0xFF) or an overlong encoding of an ASCII
// character (0xC0 0xAE, 0xE0 0x80 0xAE, up to six bytes: what traversal
// payloads carry). A lone
// continuation byte is never text. Random bytes fail: half of them are not
// ASCII, and most of those are neither UTF-8 nor letters.
func IsText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	ctl, ws, bad := 0, 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F {
				ctl++
			} else if c < 0x20 {
				ws++
			}
			i++
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError || n > 1 {
			i += n
			continue
		}
		switch {
		case (c == 0xC0 || c == 0xC1) && i+1 < len(b) && b[i+1]&0xC0 == 0x80:
			i += 2 // overlong: one character spelled in two bytes
		case c >= 0xE0 && overlong(b[i:]) > 0:
			i += overlong(b[i:]) // overlong: an ASCII character in three to six bytes
		case c >= 0xC0 && c != 0xD7 && c != 0xF7:
			i++ // a Latin-1 letter
		default:
			return false
		}
		bad++
	}
	if bad > 0 {
		return len(b) >= 12 && ctl == 0 && ws == 0 && bad <= len(b)/4
	}
	return ctl <= 1+len(b)/32
}

// overlong returns the length of the overlong encoding of an ASCII
// character that b starts with in three to six bytes (E0 80 AE is '.', the
// five- and six-byte forms F8 and FC that decoders of old accepted), or 0.
// Random bytes hold such a run rarely: the lead fixes the bits of the next
// byte, and every byte after it must be a continuation byte.
func overlong(b []byte) int {
	var n int
	switch {
	case b[0] == 0xE0 && len(b) >= 3 && b[1] >= 0x80 && b[1] <= 0x81:
		n = 3
	case b[0] == 0xF0 && len(b) >= 4 && b[1] == 0x80 && b[2] >= 0x80 && b[2] <= 0x81:
		n = 4
	case b[0] == 0xF8 && len(b) >= 5 && b[1] == 0x80 && b[2] == 0x80 && b[3] >= 0x80 && b[3] <= 0x81:
		n = 5
	case b[0] == 0xFC && len(b) >= 6 && b[1] == 0x80 && b[2] == 0x80 && b[3] == 0x80 && b[4] >= 0x80 && b[4] <= 0x81:
		n = 6
	default:
		return 0
	}
	for _, c := range b[2:n] {
		if c&0xC0 != 0x80 {
			return 0
		}
	}
	return n
}

// EscapedText decodes the escapes of src that clients use to hide text:
// \xHH, \uHHHH, %uHHHH, %HH (what is left percent-encoded after the
// parser's own decoding: double encoding) and the numeric character
// references of HTML and XML (&#x27; &#39;). src must be at least
// MinEncodedLength bytes and hold an escape, and the result
// must be text (see IsText); otherwise it reports false and dst is
// returned as it was. Other bytes are copied as they are.
func EscapedText(dst, src []byte) ([]byte, bool) {
	if len(src) < MinEncodedLength {
		return dst, false
	}
	start := len(dst)
	escapes := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+3 < len(src) && src[i+1] == 'x' && hexdigit.Is(src[i+2]) && hexdigit.Is(src[i+3]):
			d, _ := hexdigit.Pair(src[i+2], src[i+3])
			dst = append(dst, d)
			i += 3
			escapes++
		case (c == '\\' || c == '%') && i+5 < len(src) && (src[i+1] == 'u' || src[i+1] == 'U') && isHex4(src[i+2:i+6]):
			r, _ := hex4(src[i+2 : i+6])
			dst = utf8.AppendRune(dst, r)
			i += 5
			escapes++
		case c == '%' && i+2 < len(src) && hexdigit.Is(src[i+1]) && hexdigit.Is(src[i+2]):
			d, _ := hexdigit.Pair(src[i+1], src[i+2])
			dst = append(dst, d)
			i += 2
			escapes++
		case c == '&' && i+2 < len(src) && src[i+1] == '#':
			r, n := charRef(src[i+2:])
			if n == 0 {
				dst = append(dst, c)
				continue
			}
			dst = utf8.AppendRune(dst, r)
			i += 1 + n
			escapes++
		default:
			dst = append(dst, c)
		}
	}
	if escapes == 0 || !IsText(dst[start:]) {
		return dst[:start], false
	}
	return dst, true
}

// charRef decodes the numeric character reference that b starts with,
// after "&#": "x27;" or "39;" (the semicolon may be missing, as browsers
// and XML-lenient parsers allow), returning the rune and the bytes read,
// or 0 bytes when b holds none (no digit, or past U+10FFFF).
func charRef(b []byte) (rune, int) {
	i, base := 0, rune(10)
	if len(b) > 0 && (b[0] == 'x' || b[0] == 'X') {
		i, base = 1, 16
	}
	var r rune
	digits := 0
	for ; i < len(b) && digits < 8; i++ {
		var d rune
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			goto end
		}
		r = r*base + d
		digits++
	}
end:
	if digits == 0 || r > utf8.MaxRune {
		return 0, 0
	}
	if i < len(b) && b[i] == ';' {
		i++
	}
	return r, i
}

func isHex4(b []byte) bool {
	_, ok := hex4(b)
	return ok
}

// JWTPayload decodes the payload segment of a JSON Web Token (JWS compact
// form: header.payload.signature, each segment base64url, the header a
// JSON object), optionally preceded by "Bearer ". It appends the decoded
// payload to dst and reports whether src was such a token whose payload
// is text.
func JWTPayload(dst, src []byte) ([]byte, bool) {
	if len(src) > 7 && (src[0] == 'B' || src[0] == 'b') && string(src[1:7]) == "earer " {
		src = src[7:]
	}
	if len(src) < MinEncodedLength || string(src[:min(3, len(src))]) != "eyJ" {
		return dst, false
	}
	dot1 := -1
	dot2 := -1
	for i, c := range src {
		if c == '.' {
			if dot1 < 0 {
				dot1 = i
			} else if dot2 < 0 {
				dot2 = i
			} else {
				return dst, false
			}
		} else if base64URL[c] == 0xFF && c != '=' {
			return dst, false
		}
	}
	if dot2 < 0 || dot2-dot1-1 < 4 {
		return dst, false
	}
	return appendBase64Text(dst, bytes.TrimRight(src[dot1+1:dot2], "="), &base64URL)
}
