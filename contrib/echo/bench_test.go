package echo_test

import (
	"io"
	"net/http"
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
	routerbench.Run(b, func(agent *rampart.Agent) http.Handler {
		e := echo.New()
		if agent != nil {
			e.Use(rampartecho.New(agent))
		}
		e.GET("/users/:id", func(c echo.Context) error {
			c.Response().Header().Set("Content-Type", "application/json")
			_, err := io.WriteString(c.Response(), `{"id":"`+c.Param("id")+`"}`)
			return err
		})
		return e
	})
}
