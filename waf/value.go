package waf

import "strconv"

// Kind is the type of a Value.
type Kind uint8

// The kinds of values an address can hold.
const (
	KindNull Kind = iota
	KindString
	KindNumber // the number's text is kept, as received
	KindBool
	KindMap // ordered fields; keys may repeat (query strings, headers)
	KindList
)

// Value is one node of an address's data: a scalar, an ordered map or a list.
// The zero Value is null. Values are immutable once built.
type Value struct {
	kind  Kind
	b     bool
	s     string
	items []Field
}

// Field is a map entry (Key set) or a list element (Key empty).
type Field struct {
	Key   string
	Value Value
}

// String returns a string value.
func String(s string) Value { return Value{kind: KindString, s: s} }

// Number returns a number value from its text, such as "42" or "-1.5e3".
func Number(text string) Value { return Value{kind: KindNumber, s: text} }

// Int returns a number value.
func Int(n int64) Value { return Value{kind: KindNumber, s: strconv.FormatInt(n, 10)} }

// Bool returns a boolean value.
func Bool(b bool) Value { return Value{kind: KindBool, b: b} }

// Null returns the null value.
func Null() Value { return Value{} }

// Map returns a map of the given fields, in order. The slice is retained.
func Map(fields []Field) Value { return Value{kind: KindMap, items: fields} }

// List returns a list of the given elements (their keys are ignored).
// The slice is retained.
func List(elems []Field) Value { return Value{kind: KindList, items: elems} }

// Strings returns a list of strings.
func Strings(ss ...string) Value {
	f := make([]Field, len(ss))
	for i, s := range ss {
		f[i].Value = String(s)
	}
	return List(f)
}

// Kind returns the value's type.
func (v Value) Kind() Kind { return v.kind }

// Str returns the text of a string or number value, "" otherwise.
func (v Value) Str() string { return v.s }

// BoolValue returns the value of a boolean.
func (v Value) BoolValue() bool { return v.b }

// Len returns the number of fields of a map or elements of a list.
func (v Value) Len() int { return len(v.items) }

// Index returns the i-th field of a map or list.
func (v Value) Index(i int) Field { return v.items[i] }

// Get returns the first field of a map named key.
func (v Value) Get(key string) (Value, bool) {
	if v.kind != KindMap {
		return Value{}, false
	}
	for _, f := range v.items {
		if f.Key == key {
			return f.Value, true
		}
	}
	return Value{}, false
}

// Address names one piece of request (or sink) data and its value.
type Address struct {
	Name  string
	Value Value
}

// Address names, as in the libddwaf ruleset format.
const (
	AddrMethod        = "server.request.method"
	AddrURIRaw        = "server.request.uri.raw"
	AddrQuery         = "server.request.query"
	AddrHeaders       = "server.request.headers.no_cookies"
	AddrCookies       = "server.request.cookies"
	AddrBody          = "server.request.body"
	AddrBodyFilenames = "server.request.body.filenames"
	AddrPathParams    = "server.request.path_params"
	AddrClientIP      = "http.client_ip"
	AddrUserID        = "usr.id"
	AddrUserLogin     = "usr.login"
	AddrSessionID     = "usr.session_id"
	AddrStatus        = "server.response.status"
	AddrResponseHdrs  = "server.response.headers.no_cookies"
	AddrDBStatement   = "server.db.statement"
	AddrDBSystem      = "server.db.system"
	AddrNetURL        = "server.io.net.url"
	AddrFSFile        = "server.io.fs.file"
	AddrShellCmd      = "server.sys.shell.cmd"
	AddrExecCmd       = "server.sys.exec.cmd"

	// gRPC servers (contrib/grpc): the full method name
	// ("/pkg.Service/Method"), the incoming metadata (map: lower-case
	// key → list of values) and each request message received, as its
	// protobuf JSON mapping (maps, lists, strings, numbers, booleans).
	AddrGRPCMethod   = "grpc.server.method"
	AddrGRPCMetadata = "grpc.server.request.metadata"
	AddrGRPCMessage  = "grpc.server.request.message"

	// GraphQL servers (contrib/gqlgen): the arguments of every field
	// resolver of the operation (map: field name → list of argument
	// maps, one per occurrence), and those of the field being resolved
	// (map: field name → argument map), variables substituted.
	AddrGraphQLAllResolvers = "graphql.server.all_resolvers"
	AddrGraphQLResolver     = "graphql.server.resolver"
)
