package echo_test

import (
	"io"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/rampartsec/rampart"
	rampartecho "github.com/rampartsec/rampart/contrib/echo"
	"github.com/rampartsec/rampart/internal/routerbench"
)

// BenchmarkRequest is one benign request with a path parameter served in
// process by a echo server, bare and with rampart's middleware (default
// ruleset, block mode): what the middleware costs a request, without the
// network.
func BenchmarkRequest(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name, agent := "bare", (*rampart.Agent)(nil)
		if guarded {
			name, agent = "rampart", routerbench.Agent(b)
		}
		b.Run(name, func(b *testing.B) {
			e := echo.New()
			if agent != nil {
				e.Use(rampartecho.New(agent))
			}
			e.GET("/users/:id", func(c echo.Context) error {
				c.Response().Header().Set("Content-Type", "application/json")
				_, err := io.WriteString(c.Response(), `{"id":"`+c.Param("id")+`"}`)
				return err
			})
			routerbench.Serve(b, e, agent)
		})
	}
}
