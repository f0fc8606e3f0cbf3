// Package grpcguard protects gRPC servers (google.golang.org/grpc) with
// rampart: its interceptors evaluate every call with the WAF before the
// handler runs, block it in block mode, and put the call's security context
// on the handler's context.Context, so that the guards inside the handler
// (sqlguard, execguard, fsguard, contrib/pgx) check their sinks against the
// call's inputs.
//
//	import grpcguard "github.com/rampartsec/rampart/contrib/grpc"
//
//	agent := rampart.Default()
//	srv := grpc.NewServer(grpcguard.ServerOptions(agent)...)
//
// What the rules see of a call:
//
//   - the call as the HTTP/2 request it is: method POST, the full method
//     name ("/pkg.Service/Method") as the URI, the incoming metadata as the
//     headers (server.request.headers.no_cookies), the client IP from the
//     peer's address and the client IP headers the agent trusts;
//   - grpc.server.method: the full method name;
//   - grpc.server.request.metadata: the metadata, lower-case key → list of
//     values (binary "-bin" values that are not UTF-8 are left out);
//   - grpc.server.request.message: each request message received, as its
//     protobuf JSON mapping (field JSON names; enums by name; 64-bit
//     integers, floats and booleans as numbers and booleans; bytes as their
//     raw text; google.protobuf.Struct, Value, ListValue and the wrapper
//     types as the JSON they stand for). A message that is not a protobuf
//     message is left out. Exploit prevention compares the sinks with every
//     string of it; on a stream, with the last message received.
//
// A blocked call ends with the blocking action's gRPC status code (the
// ruleset action's grpc_status_code, PermissionDenied by default): before
// the handler runs when the metadata or the first message is blocked; at
// the blocked RecvMsg on a stream; and, when a sink blocks inside the
// handler, as the call's result whatever the handler returns.
//
// The whole call is one rampart request: its WAF time budget covers every
// message of a stream, and the attack event reports the full method as the
// route and the gRPC code mapped to an HTTP status (PermissionDenied: 403).
package grpcguard

import (
	"context"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// ServerOptions returns the server options that install both interceptors
// (chained after any the server already has); none when agent is nil.
func ServerOptions(agent *rampart.Agent) []grpc.ServerOption {
	if agent == nil {
		return nil
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(agent)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(agent)),
	}
}

// UnaryServerInterceptor returns the interceptor that protects unary
// calls with agent; with a nil agent it calls the handler as is.
func UnaryServerInterceptor(agent *rampart.Agent) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		if agent == nil {
			return handler(ctx, req)
		}
		sec := begin(agent, ctx, info.FullMethod, req, true)
		if sec == nil {
			return handler(ctx, req) // rampart failed: fail open
		}
		defer func() { sec.Finish(httpStatus(err)) }()
		if a := sec.Blocked(); a != nil {
			return nil, BlockError(a)
		}
		resp, err = handler(rampart.WithRequest(ctx, sec), req)
		if a := sec.Blocked(); a != nil {
			// Blocked inside the handler, at a sink.
			return nil, BlockError(a)
		}
		return resp, err
	}
}

// StreamServerInterceptor returns the interceptor that protects streaming
// calls with agent: the metadata before the handler runs, then each
// message the handler receives. With a nil agent it calls the handler as
// is.
func StreamServerInterceptor(agent *rampart.Agent) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		if agent == nil {
			return handler(srv, ss)
		}
		ctx := ss.Context()
		sec := begin(agent, ctx, info.FullMethod, nil, false)
		if sec == nil {
			return handler(srv, ss)
		}
		defer func() { sec.Finish(httpStatus(err)) }()
		if a := sec.Blocked(); a != nil {
			return BlockError(a)
		}
		w := &stream{ServerStream: ss, ctx: rampart.WithRequest(ctx, sec), sec: sec, agent: agent}
		err = handler(srv, w)
		if a := sec.Blocked(); a != nil {
			return BlockError(a)
		}
		return err
	}
}

// stream evaluates each message received and refuses to go on once the
// call is blocked.
type stream struct {
	grpc.ServerStream
	ctx   context.Context
	sec   *rampart.Request
	agent *rampart.Agent
}

// Context returns the stream's context, which carries the rampart request.
func (s *stream) Context() context.Context { return s.ctx }

// RecvMsg receives a message and evaluates it; a blocked message is not
// handed to the handler (the call's block error is returned instead).
func (s *stream) RecvMsg(m any) error {
	if a := s.sec.Blocked(); a != nil {
		return BlockError(a)
	}
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if s.agent.Engine().Reads(waf.AddrGRPCMessage) {
		func() {
			defer s.agent.Recover()
			s.sec.Run(waf.Address{Name: waf.AddrGRPCMessage, Value: messageValue(m)})
		}()
	}
	if a := s.sec.Blocked(); a != nil {
		return BlockError(a)
	}
	return nil
}

// SendMsg sends a message unless the call is blocked.
func (s *stream) SendMsg(m any) error {
	if a := s.sec.Blocked(); a != nil {
		return BlockError(a)
	}
	return s.ServerStream.SendMsg(m)
}

// begin starts the rampart request of a call: the call as an HTTP request
// (request line, metadata as headers, client IP), then the gRPC addresses
// (method, metadata and, for a unary call, its message) in one run.
func begin(agent *rampart.Agent, ctx context.Context, method string, msg any, unary bool) (sec *rampart.Request) {
	defer agent.Recover()
	md, _ := metadata.FromIncomingContext(ctx)
	in := &httpinput.Request{Method: "POST", URI: method}
	mdFields := make([]waf.Field, 0, len(md))
	for k, vs := range md {
		if strings.HasPrefix(k, ":") {
			continue // pseudo-headers (:authority)
		}
		list := make([]waf.Field, 0, len(vs))
		for _, v := range vs {
			if !utf8.ValidString(v) {
				continue // binary metadata
			}
			in.Headers = append(in.Headers, [2]string{k, v})
			list = append(list, waf.Field{Value: waf.String(v)})
		}
		if len(list) > 0 {
			mdFields = append(mdFields, waf.Field{Key: k, Value: waf.List(list)})
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		in.RemoteAddr = p.Addr.String()
	}
	sec = agent.Begin(in)
	if sec == nil {
		return nil
	}
	sec.SetRoute(method)
	if sec.Blocked() != nil {
		return sec
	}
	addrs := []waf.Address{
		{Name: waf.AddrGRPCMethod, Value: waf.String(method)},
		{Name: waf.AddrGRPCMetadata, Value: waf.Map(mdFields)},
	}
	if unary && agent.Engine().Reads(waf.AddrGRPCMessage) {
		addrs = append(addrs, waf.Address{Name: waf.AddrGRPCMessage, Value: messageValue(msg)})
	}
	sec.Run(addrs...)
	return sec
}

// BlockError returns the error a blocked call ends with: the status of
// the action's gRPC code (PermissionDenied when the action has none),
// naming the rule.
func BlockError(a *waf.Action) error {
	code := codes.PermissionDenied
	if a.GRPCStatusCode > 0 && a.GRPCStatusCode <= 16 {
		code = codes.Code(a.GRPCStatusCode)
	}
	return status.Error(code, "blocked by the application's security policy (rule "+a.RuleID+")")
}

// httpStatus maps a call's result to the HTTP status an HTTP API would
// answer with (as gRPC gateways map them), for the response rules and the
// event.
func httpStatus(err error) int {
	switch status.Code(err) {
	case codes.OK:
		return 200
	case codes.Canceled:
		return 499
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return 400
	case codes.DeadlineExceeded:
		return 504
	case codes.NotFound:
		return 404
	case codes.AlreadyExists, codes.Aborted:
		return 409
	case codes.PermissionDenied:
		return 403
	case codes.Unauthenticated:
		return 401
	case codes.ResourceExhausted:
		return 429
	case codes.Unimplemented:
		return 501
	case codes.Unavailable:
		return 503
	}
	return 500
}
