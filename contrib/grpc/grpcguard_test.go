package grpcguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/rampartsec/rampart"
	grpcguard "github.com/rampartsec/rampart/contrib/grpc"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

// store is the test service: Search answers a query, by building a SQL
// statement from it on purpose; Chat echoes each message of a stream.
type store struct {
	mu       sync.Mutex
	searched []string // the queries Search ran
	chatted  []string // the messages Chat received
}

func (s *store) search(ctx context.Context, in *structpb.Struct) (*structpb.Struct, error) {
	q := in.Fields["query"].GetStringValue()
	stmt := "SELECT id FROM items WHERE name = '" + q + "'"
	if err := rampart.CheckSQL(ctx, "postgresql", stmt); err != nil { // the vulnerable line
		return nil, status.Error(codes.Internal, err.Error())
	}
	s.mu.Lock()
	s.searched = append(s.searched, q)
	s.mu.Unlock()
	return structpb.NewStruct(map[string]any{"statement": stmt})
}

func (s *store) chat(stream grpc.ServerStream) error {
	for {
		in := new(structpb.Struct)
		if err := stream.RecvMsg(in); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		text := in.Fields["text"].GetStringValue()
		if err := rampart.CheckSQL(stream.Context(), "postgresql", "INSERT INTO chat (text) VALUES ('"+text+"')"); err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		s.mu.Lock()
		s.chatted = append(s.chatted, text)
		s.mu.Unlock()
		if err := stream.SendMsg(in); err != nil {
			return err
		}
	}
}

// desc is the service, written by hand (no generated code): its messages
// are google.protobuf.Struct.
var desc = grpc.ServiceDesc{
	ServiceName: "rampart.test.Store",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Search",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(structpb.Struct)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(*store).search(ctx, req.(*structpb.Struct))
			}
			if icpt == nil {
				return h(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/rampart.test.Store/Search"}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Chat",
		Handler:       func(srv any, ss grpc.ServerStream) error { return srv.(*store).chat(ss) },
		ServerStreams: true, ClientStreams: true,
	}},
}

type fixture struct {
	store *store
	rec   *eventtest.Recorder
	conn  *grpc.ClientConn
}

// serve starts the service on a loopback listener behind the interceptors
// (agent nil: no rampart) and returns a connected client.
func serve(t testing.TB, agent *rampart.Agent) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpcguard.ServerOptions(agent)...)
	srv.RegisterService(&desc, agentStore(agent))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

var stores sync.Map // agent → *store, for serve

func agentStore(agent *rampart.Agent) *store {
	s, _ := stores.LoadOrStore(agent, &store{})
	return s.(*store)
}

func newAgent(t testing.TB, cfg rampart.Config) (*rampart.Agent, *eventtest.Recorder) {
	t.Helper()
	rec := &eventtest.Recorder{}
	cfg.Enabled, cfg.Exporter = true, rec
	if cfg.Rules == nil {
		cfg.Rules = rules.Default()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Second
	}
	a, err := rampart.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, rec
}

func setup(t *testing.T, cfg rampart.Config) fixture {
	a, rec := newAgent(t, cfg)
	return fixture{store: agentStore(a), rec: rec, conn: serve(t, a)}
}

func (f fixture) search(ctx context.Context, query string) (*structpb.Struct, error) {
	in, _ := structpb.NewStruct(map[string]any{"query": query, "page": 1})
	out := new(structpb.Struct)
	err := f.conn.Invoke(ctx, "/rampart.test.Store/Search", in, out)
	return out, err
}

func attackEvents(rec *eventtest.Recorder) []*event.Event {
	var out []*event.Event
	for _, e := range rec.Events() {
		if e.Type == event.TypeAttack {
			out = append(out, e)
		}
	}
	return out
}

// An injection in a message field is blocked before the handler runs,
// with PermissionDenied, and reported with the method as the route.
func TestUnaryBlocksAttackInMessage(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	ctx := context.Background()
	out, err := f.search(ctx, "widget")
	if err != nil {
		t.Fatalf("benign call: %v", err)
	}
	if got := out.Fields["statement"].GetStringValue(); got != "SELECT id FROM items WHERE name = 'widget'" {
		t.Errorf("benign call answered %q", got)
	}
	if evs := f.rec.Events(); len(evs) != 0 {
		t.Fatalf("benign call reported %d events: %+v", len(evs), evs[0])
	}
	_, err = f.search(ctx, "x' UNION SELECT password FROM users --")
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("attack: %v, want PermissionDenied", err)
	}
	f.store.mu.Lock()
	searched := append([]string(nil), f.store.searched...)
	f.store.mu.Unlock()
	if len(searched) != 1 {
		t.Errorf("the handler ran %v, want the benign call only", searched)
	}
	evs := attackEvents(f.rec)
	if len(evs) != 1 {
		t.Fatalf("%d attack events, want 1", len(evs))
	}
	ev := evs[0]
	if !ev.Blocked || ev.Request.Route != "/rampart.test.Store/Search" || ev.Request.URI != "/rampart.test.Store/Search" ||
		ev.Request.Method != "POST" || ev.Request.Status != 403 || ev.Request.ClientIP != "127.0.0.1" {
		t.Errorf("event %+v request %+v", ev, ev.Request)
	}
	found := false
	for _, tr := range ev.Triggers {
		if tr.Address == "grpc.server.request.message" && strings.Join(tr.KeyPath, ".") == "query" && tr.Category == "sqli" {
			found = true
		}
	}
	if !found {
		t.Errorf("no sqli trigger on grpc.server.request.message query: %+v", ev.Triggers)
	}
}

// The metadata is evaluated as the call's headers: an injection there is
// blocked too.
func TestUnaryBlocksAttackInMetadata(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-filter", "1' UNION SELECT password FROM users --")
	if _, err := f.search(ctx, "widget"); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("attack in metadata: %v, want PermissionDenied", err)
	}
	ev := attackEvents(f.rec)
	if len(ev) != 1 || ev[0].Triggers[0].Address != "server.request.headers.no_cookies" {
		t.Fatalf("events %+v", ev)
	}
}

// With the WAF monitoring, the injection reaches the handler, where the
// sink check finds it: the exploit is blocked at the statement with the
// handler's line in the stack trace and the message field as its input.
func TestExploitPreventionInHandler(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor})
	ctx := context.Background()
	if _, err := f.search(ctx, "Mary Ann"); err != nil {
		t.Fatalf("benign: %v", err)
	}
	_, err := f.search(ctx, "x' OR '1'='1")
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("exploit: %v, want PermissionDenied", err)
	}
	ex := f.rec.LastExploit()
	if ex == nil {
		t.Fatal("no exploit event")
	}
	if ex.Detector != "sqli" || ex.System != "postgresql" || ex.InputAddress != "grpc.server.request.message" ||
		strings.Join(ex.InputKeyPath, ".") != "query" || ex.Input != "x' OR '1'='1" {
		t.Errorf("exploit %+v", ex)
	}
	if ex.Location == nil || !strings.HasSuffix(fmt.Sprintf("%s:%d", ex.Location.File, ex.Location.Line), vulnerableLine(t)) {
		t.Errorf("location %+v, want %s", ex.Location, vulnerableLine(t))
	}
	var route string
	for _, e := range f.rec.Events() {
		if e.Type == event.TypeExploit {
			route = e.Request.Route
		}
	}
	if route != "/rampart.test.Store/Search" {
		t.Errorf("exploit event route %q", route)
	}
}

// vulnerableLine returns "grpcguard_test.go:N" for the line of the check.
func vulnerableLine(t *testing.T) string {
	b, err := os.ReadFile("grpcguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// the vulnerable line") {
			return fmt.Sprintf("grpcguard_test.go:%d", i+1)
		}
	}
	t.Fatal("no vulnerable line")
	return ""
}

// Each message of a stream is evaluated: benign ones are echoed, the
// first attack ends the stream with PermissionDenied before the handler
// sees it.
func TestStreamEvaluatesEachMessage(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := f.conn.NewStream(ctx, &desc.Streams[0], "/rampart.test.Store/Chat")
	if err != nil {
		t.Fatal(err)
	}
	send := func(text string) error {
		m, _ := structpb.NewStruct(map[string]any{"text": text})
		return st.SendMsg(m)
	}
	for _, text := range []string{"hello", "select the blue one"} {
		if err := send(text); err != nil {
			t.Fatal(err)
		}
		out := new(structpb.Struct)
		if err := st.RecvMsg(out); err != nil {
			t.Fatalf("echo of %q: %v", text, err)
		}
		if out.Fields["text"].GetStringValue() != text {
			t.Errorf("echo %v", out)
		}
	}
	if err := send("<script>alert(document.cookie)</script>"); err != nil {
		t.Fatal(err)
	}
	err = st.RecvMsg(new(structpb.Struct))
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("after the attack: %v, want PermissionDenied", err)
	}
	f.store.mu.Lock()
	chatted := strings.Join(f.store.chatted, "|")
	f.store.mu.Unlock()
	if chatted != "hello|select the blue one" {
		t.Errorf("the handler received %q", chatted)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(attackEvents(f.rec)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // Finish runs after the status is sent
	}
	evs := attackEvents(f.rec)
	if len(evs) != 1 || evs[0].Request.Route != "/rampart.test.Store/Chat" || evs[0].Triggers[0].Address != "grpc.server.request.message" {
		t.Fatalf("events %+v", evs)
	}
}

// Exploit prevention on a stream: with the WAF monitoring, the message
// reaches the handler, whose statement is blocked, ending the stream with
// PermissionDenied; the exploit's input is the message field.
func TestStreamExploitPrevention(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := f.conn.NewStream(ctx, &desc.Streams[0], "/rampart.test.Store/Chat")
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"good morning", "x'); DROP TABLE chat; --"} {
		m, _ := structpb.NewStruct(map[string]any{"text": text})
		if err := st.SendMsg(m); err != nil {
			t.Fatal(err)
		}
		err := st.RecvMsg(new(structpb.Struct))
		if i == 0 && err != nil {
			t.Fatalf("benign message: %v", err)
		}
		if i == 1 && status.Code(err) != codes.PermissionDenied {
			t.Fatalf("exploit: %v, want PermissionDenied", err)
		}
	}
	ex := f.rec.LastExploit()
	if ex == nil || ex.InputAddress != "grpc.server.request.message" || strings.Join(ex.InputKeyPath, ".") != "text" || ex.Input != "x'); DROP TABLE chat; --" {
		t.Fatalf("exploit %+v", ex)
	}
}

// A block action's grpc_status_code is the code a blocked call ends with.
func TestBlockActionCode(t *testing.T) {
	rs := regexp.MustCompile(`"grpc_status_code":\s*7\b`).ReplaceAllString(string(rules.Default()), `"grpc_status_code": 16`)
	if rs == string(rules.Default()) {
		t.Fatal("the default ruleset has no grpc_status_code 7 to replace")
	}
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, Rules: []byte(rs)})
	if _, err := f.search(context.Background(), "x' UNION SELECT password FROM users --"); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("attack: %v, want Unauthenticated (16)", err)
	}
}

// In monitor mode nothing is blocked; the attack is reported.
func TestMonitorMode(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeMonitor})
	if _, err := f.search(context.Background(), "x' UNION SELECT password FROM users --"); err != nil {
		t.Fatalf("monitor mode: %v", err)
	}
	if evs := attackEvents(f.rec); len(evs) != 1 || evs[0].Blocked {
		t.Fatalf("events %+v", evs)
	}
}
