package grpcguard

import (
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/rampartsec/rampart/waf"
)

// maxMessageDepth bounds how deep a message is walked: deeper than the
// WAF walks (waf.MaxDepth), shallower than a recursive message could go.
const maxMessageDepth = 2 * waf.MaxDepth

// messageValue returns the value of grpc.server.request.message for m:
// its protobuf JSON mapping (see the package documentation), null when m
// is not a protobuf message.
func messageValue(m any) waf.Value {
	pm, ok := m.(proto.Message)
	if !ok || pm == nil {
		return waf.Null()
	}
	return msgValue(pm.ProtoReflect(), 0)
}

func msgValue(m protoreflect.Message, depth int) waf.Value {
	if !m.IsValid() || depth > maxMessageDepth {
		return waf.Null()
	}
	// The JSON types, read through their Go API (reflection costs more).
	switch x := m.Interface().(type) {
	case *structpb.Struct:
		return structValue(x, depth)
	case *structpb.ListValue:
		return listValue(x, depth)
	case *structpb.Value:
		return jsonValue(x, depth)
	}
	d := m.Descriptor()
	switch d.FullName() {
	case "google.protobuf.Struct":
		return fieldValue(m, d.Fields().ByName("fields"), depth)
	case "google.protobuf.ListValue":
		return fieldValue(m, d.Fields().ByName("values"), depth)
	case "google.protobuf.Value":
		od := m.WhichOneof(d.Oneofs().ByName("kind"))
		if od == nil || od.Name() == "null_value" {
			return waf.Null()
		}
		return singular(od, m.Get(od), depth)
	case "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.BoolValue",
		"google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value",
		"google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue":
		fd := d.Fields().ByName("value")
		return singular(fd, m.Get(fd), depth)
	}
	var fields []waf.Field
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		fields = append(fields, waf.Field{Key: fd.JSONName(), Value: value(fd, v, depth)})
		return true
	})
	return waf.Map(fields)
}

func structValue(s *structpb.Struct, depth int) waf.Value {
	out := make([]waf.Field, 0, len(s.GetFields()))
	for k, v := range s.GetFields() {
		out = append(out, waf.Field{Key: k, Value: jsonValue(v, depth+1)})
	}
	return waf.Map(out)
}

func listValue(l *structpb.ListValue, depth int) waf.Value {
	out := make([]waf.Field, len(l.GetValues()))
	for i, v := range l.GetValues() {
		out[i].Value = jsonValue(v, depth+1)
	}
	return waf.List(out)
}

func jsonValue(v *structpb.Value, depth int) waf.Value {
	if depth > maxMessageDepth {
		return waf.Null()
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return waf.String(k.StringValue)
	case *structpb.Value_NumberValue:
		return waf.Number(strconv.FormatFloat(k.NumberValue, 'g', -1, 64))
	case *structpb.Value_BoolValue:
		return waf.Bool(k.BoolValue)
	case *structpb.Value_StructValue:
		return structValue(k.StructValue, depth+1)
	case *structpb.Value_ListValue:
		return listValue(k.ListValue, depth+1)
	}
	return waf.Null()
}

// fieldValue is the value of field fd of m.
func fieldValue(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) waf.Value {
	if fd == nil {
		return waf.Null()
	}
	return value(fd, m.Get(fd), depth)
}

func value(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) waf.Value {
	switch {
	case fd.IsList():
		l := v.List()
		out := make([]waf.Field, l.Len())
		for i := range l.Len() {
			out[i].Value = singular(fd, l.Get(i), depth)
		}
		return waf.List(out)
	case fd.IsMap():
		mp := v.Map()
		out := make([]waf.Field, 0, mp.Len())
		vd := fd.MapValue()
		mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			out = append(out, waf.Field{Key: k.String(), Value: singular(vd, mv, depth)})
			return true
		})
		return waf.Map(out)
	}
	return singular(fd, v, depth)
}

// singular is the value of one element of field fd.
func singular(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) waf.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return waf.String(v.String())
	case protoreflect.BytesKind:
		return waf.String(string(v.Bytes()))
	case protoreflect.BoolKind:
		return waf.Bool(v.Bool())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return waf.String(string(ev.Name()))
		}
		return waf.Int(int64(v.Enum()))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return waf.Int(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return waf.Number(strconv.FormatUint(v.Uint(), 10))
	case protoreflect.FloatKind:
		return waf.Number(strconv.FormatFloat(v.Float(), 'g', -1, 32))
	case protoreflect.DoubleKind:
		return waf.Number(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return msgValue(v.Message(), depth+1)
	}
	return waf.Null()
}
