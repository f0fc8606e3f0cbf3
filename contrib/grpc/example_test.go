package grpcguard_test

import (
	"log"
	"net"

	"google.golang.org/grpc"

	"github.com/rampartsec/rampart"
	grpcguard "github.com/rampartsec/rampart/contrib/grpc"
)

// A gRPC server protected by the process-wide agent (RAMPART_ENABLED and
// the other variables); with rampart off, no interceptor is installed.
func ExampleServerOptions() {
	srv := grpc.NewServer(grpcguard.ServerOptions(rampart.Default())...)
	// ... register the services ...
	lis, err := net.Listen("tcp", "127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis)
	srv.Stop()
}
