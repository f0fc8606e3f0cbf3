package grpcguard_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/rampartsec/rampart"
	grpcguard "github.com/rampartsec/rampart/contrib/grpc"
)

func benchMessage(b *testing.B) *structpb.Struct {
	m, err := structpb.NewStruct(map[string]any{
		"query": "blue widgets", "page": 2, "tags": []any{"sale", "new"},
		"filter": map[string]any{"color": "blue", "size": "M", "inStock": true},
	})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkUnaryCall is one unary call over a loopback connection, with
// and without the interceptors (default ruleset, block mode).
func BenchmarkUnaryCall(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name := "bare"
		var agent *rampart.Agent
		if guarded {
			name = "rampart"
			agent, _ = newAgent(b, rampart.Config{Mode: rampart.ModeBlock})
		}
		b.Run(name, func(b *testing.B) {
			conn := serve(b, agent)
			in, out := benchMessage(b), new(structpb.Struct)
			ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "3f2a9c")
			b.ReportAllocs()
			for b.Loop() {
				if err := conn.Invoke(ctx, "/rampart.test.Store/Search", in, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInterceptor is the unary interceptor alone around a handler
// that does nothing: what rampart adds to a call, without the transport.
func BenchmarkInterceptor(b *testing.B) {
	agent, _ := newAgent(b, rampart.Config{Mode: rampart.ModeBlock})
	icpt := grpcguard.UnaryServerInterceptor(agent)
	md := metadata.Pairs("content-type", "application/grpc", "user-agent", "grpc-go/1.85.0", "x-request-id", "3f2a9c", ":authority", "127.0.0.1:50051")
	ctx := metadata.NewIncomingContext(context.Background(), md)
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}})
	info := &grpc.UnaryServerInfo{FullMethod: "/rampart.test.Store/Search"}
	in := benchMessage(b)
	handler := func(ctx context.Context, req any) (any, error) { return req, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := icpt(ctx, in, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}
