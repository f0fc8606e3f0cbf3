package grpcguard

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rampartsec/rampart/waf"
)

// plain turns a value into Go values for comparisons: maps, lists,
// strings; numbers as "#text", booleans as bool.
func plain(v waf.Value) any {
	switch v.Kind() {
	case waf.KindString:
		return v.Str()
	case waf.KindNumber:
		return "#" + v.Str()
	case waf.KindBool:
		return v.BoolValue()
	case waf.KindMap:
		m := map[string]any{}
		for i := range v.Len() {
			f := v.Index(i)
			m[f.Key] = plain(f.Value)
		}
		return m
	case waf.KindList:
		l := []any{}
		for i := range v.Len() {
			l = append(l, plain(v.Index(i).Value))
		}
		return l
	}
	return nil
}

// A generated message: JSON names, enums by name, numbers, nested
// messages and repeated fields.
func TestMessageValueGenerated(t *testing.T) {
	m := &descriptorpb.DescriptorProto{
		Name: proto.String("x' OR 1=1"),
		Field: []*descriptorpb.FieldDescriptorProto{
			{Name: proto.String("a"), Number: proto.Int32(3), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), JsonName: proto.String("aJ")},
		},
		ReservedName: []string{"r1", "r2"},
	}
	want := map[string]any{
		"name":         "x' OR 1=1",
		"field":        []any{map[string]any{"name": "a", "number": "#3", "type": "TYPE_STRING", "jsonName": "aJ"}},
		"reservedName": []any{"r1", "r2"},
	}
	if got := plain(messageValue(m)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if got := plain(messageValue(wrapperspb.String("<script>"))); got != "<script>" {
		t.Errorf("StringValue: %#v", got)
	}
	if got := plain(messageValue("not a message")); got != nil {
		t.Errorf("non-message: %#v", got)
	}
}

// A message of a descriptor built at run time (dynamicpb): bytes, maps,
// a google.protobuf.Struct field and a uint64, through reflection.
func TestMessageValueDynamic(t *testing.T) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("t.proto"),
		Package:    proto.String("t"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/struct.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("M"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("raw_data"), JsonName: proto.String("rawData"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_BYTES.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("labels"), JsonName: proto.String("labels"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".t.M.LabelsEntry"), Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()},
				{Name: proto.String("extra"), JsonName: proto.String("extra"), Number: proto.Int32(3), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".google.protobuf.Struct"), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("count"), JsonName: proto.String("count"), Number: proto.Int32(4), Type: descriptorpb.FieldDescriptorProto_TYPE_UINT64.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
			},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name:    proto.String("LabelsEntry"),
				Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				Field: []*descriptorpb.FieldDescriptorProto{
					{Name: proto.String("key"), JsonName: proto.String("key"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
					{Name: proto.String("value"), JsonName: proto.String("value"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				},
			}},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoRegistry())
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("M")
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("raw_data"), protoreflect.ValueOfBytes([]byte("../../etc/passwd")))
	labels := m.Mutable(md.Fields().ByName("labels")).Map()
	labels.Set(protoreflect.ValueOfString("env").MapKey(), protoreflect.ValueOfString("$(id)"))
	extra, _ := structpb.NewStruct(map[string]any{"q": "1 UNION SELECT 1", "n": 2})
	m.Set(md.Fields().ByName("extra"), protoreflect.ValueOfMessage(extra.ProtoReflect()))
	m.Set(md.Fields().ByName("count"), protoreflect.ValueOfUint64(18446744073709551615))
	want := map[string]any{
		"rawData": "../../etc/passwd",
		"labels":  map[string]any{"env": "$(id)"},
		"extra":   map[string]any{"q": "1 UNION SELECT 1", "n": "#2"},
		"count":   "#18446744073709551615",
	}
	if got := plain(messageValue(m)); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func protoRegistry() protodesc.Resolver { return protoregistry.GlobalFiles }
