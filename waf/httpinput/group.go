package httpinput

import "github.com/rampartsec/rampart/waf"

// dropped marks a pair that group leaves out.
const dropped = 0xFFFF

// linearKeys is the number of distinct keys group compares one by one before
// it builds a map: few keys are the common case, and a map would cost more
// than the comparisons, but many long, similar keys must not cost n².
const linearKeys = 16

// group turns pairs (keys may repeat, in wire order) into a map from each
// distinct key, in order of first appearance, to the list of its values in
// wire order. Keys past MaxContainerSize distinct ones, and values past
// MaxContainerSize for one key, are dropped and reported by the bool.
func group(a *arena, pairs []waf.Field) (waf.Value, bool) {
	n := len(pairs)
	if n == 0 {
		return waf.Map(nil), false
	}
	truncated := false
	var small [64]uint16
	gid := small[:0]
	if n <= len(small) {
		gid = small[:n]
	} else {
		gid = make([]uint16, n)
	}
	keys := a.alloc(min(n, MaxContainerSize))
	var smallCounts [64]uint16
	var smallStart [65]int32
	counts, start := smallCounts[:], smallStart[:]
	if n > len(smallCounts) {
		counts = make([]uint16, min(n, MaxContainerSize))
		start = make([]int32, min(n, MaxContainerSize)+1)
	}
	var index map[string]uint16
	u := 0
	for i := range pairs {
		k := pairs[i].Key
		g := -1
		if index != nil {
			if v, ok := index[k]; ok {
				g = int(v)
			}
		} else {
			for j := range u {
				if keys[j].Key == k {
					g = j
					break
				}
			}
		}
		if g < 0 {
			if u == MaxContainerSize {
				gid[i] = dropped
				truncated = true
				continue
			}
			g = u
			keys[u].Key = k
			u++
			if index != nil {
				index[k] = uint16(g)
			} else if u == linearKeys && n > linearKeys {
				index = make(map[string]uint16, min(n, MaxContainerSize))
				for j := range u {
					index[keys[j].Key] = uint16(j)
				}
			}
		}
		if counts[g] == MaxContainerSize {
			gid[i] = dropped
			truncated = true
			continue
		}
		counts[g]++
		gid[i] = uint16(g)
	}
	for g := range u {
		start[g+1] = start[g] + int32(counts[g])
	}
	elems := a.alloc(int(start[u]))
	var smallPos [65]int32
	pos := smallPos[:]
	if u+1 > len(smallPos) {
		pos = make([]int32, u+1)
	}
	copy(pos, start[:u+1])
	for i := range pairs {
		g := gid[i]
		if g == dropped {
			continue
		}
		elems[pos[g]].Value = pairs[i].Value
		pos[g]++
	}
	for g := range u {
		keys[g].Value = waf.List(elems[start[g]:start[g+1]:start[g+1]])
	}
	return waf.Map(keys[:u:u]), truncated
}
