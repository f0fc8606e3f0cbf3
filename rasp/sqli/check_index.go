package sqli

import "strings"

// commonBytes lists the bytes of typical SQL text from the most to the
// least frequent (a rough ranking: space, the letters of keywords and
// names in both cases, digits, punctuation); bytes not listed are rare.
const commonBytes = " eEtTaAsSrRoOiInNlLcCdDuUmMpP_,=.()hHfFgGwWyYbBvVkK0123456789'\"xXjJqQzZ$?:<>*-"

// byteRank ranks bytes by frequency in SQL: lower is rarer.
var byteRank = func() (r [256]uint8) {
	for i := 0; i < len(commonBytes); i++ {
		r[commonBytes[i]] = uint8(len(commonBytes) - i)
	}
	return r
}()

// finder looks for one input in a statement, scanning for the input's
// rarest byte with strings.IndexByte (vectorized) and comparing the input
// only at those candidates; after many false candidates it falls back to
// strings.Index.
type finder struct {
	in   string
	k    int // offset of the rarest byte in in
	miss int // false candidates so far
}

func newFinder(in string) finder {
	k := 0
	for i := 1; i < len(in); i++ {
		if byteRank[in[i]] < byteRank[in[k]] {
			k = i
		}
	}
	return finder{in: in, k: k}
}

// next returns the first occurrence of the input in s at or after from,
// or -1.
func (f *finder) next(s string, from int) int {
	n := len(f.in)
	for from+n <= len(s) {
		if f.miss > 8 {
			if i := strings.Index(s[from:], f.in); i >= 0 {
				return from + i
			}
			return -1
		}
		j := strings.IndexByte(s[from+f.k:len(s)-n+f.k+1], f.in[f.k])
		if j < 0 {
			return -1
		}
		p := from + j
		if s[p:p+n] == f.in {
			return p
		}
		f.miss++
		from = p + 1
	}
	return -1
}
