package engines

import (
	"strconv"

	libddwaf "github.com/DataDog/go-libddwaf/v5"
	"github.com/DataDog/go-libddwaf/v5/waferrors"

	"github.com/rampartsec/rampart/waf"
)

// AddressesForLibddwaf converts rampart's addresses into libddwaf input,
// so that both engines can be run on exactly the same values: maps keep
// their order and repeated keys, numbers stay numbers.
func AddressesForLibddwaf(addrs []waf.Address) map[string]any {
	m := make(map[string]any, len(addrs))
	for _, a := range addrs {
		m[a.Name] = encodableValue{a.Value}
	}
	return m
}

// encodableValue encodes a waf.Value for go-libddwaf.
type encodableValue struct{ v waf.Value }

func (e encodableValue) Encode(enc *libddwaf.Encoder, obj *libddwaf.WAFObject, depth int) error {
	if enc.Timeout() {
		return waferrors.ErrTimeout
	}
	v := e.v
	switch v.Kind() {
	case waf.KindString:
		enc.WriteString(obj, v.Str())
	case waf.KindNumber:
		if i, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
			obj.SetInt(i)
		} else if f, err := strconv.ParseFloat(v.Str(), 64); err == nil {
			obj.SetFloat(f)
		} else {
			enc.WriteString(obj, v.Str())
		}
	case waf.KindBool:
		obj.SetBool(v.BoolValue())
	case waf.KindMap, waf.KindList:
		if depth <= 0 {
			return waferrors.ErrMaxDepthExceeded
		}
		if v.Kind() == waf.KindMap {
			mb := enc.Map(obj, v.Len())
			for i := range v.Len() {
				f := v.Index(i)
				slot := mb.NextValue(f.Key)
				if slot == nil {
					mb.Skip()
					continue
				}
				if err := (encodableValue{f.Value}).Encode(enc, slot, depth-1); err != nil {
					slot.SetInvalid()
				}
			}
			mb.Close()
			return nil
		}
		ab := enc.Array(obj, v.Len())
		for i := range v.Len() {
			slot := ab.NextValue()
			if slot == nil {
				ab.Skip()
				continue
			}
			if err := (encodableValue{v.Index(i).Value}).Encode(enc, slot, depth-1); err != nil {
				slot.SetInvalid()
			}
		}
		ab.Close()
	default:
		obj.SetNil()
	}
	return nil
}
