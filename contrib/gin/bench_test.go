package gin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/rampartsec/rampart"
	rampartgin "github.com/rampartsec/rampart/contrib/gin"
	"github.com/rampartsec/rampart/internal/routerbench"
)

// BenchmarkRequest is one benign request with a path parameter served in
// process by a gin engine (gin.New, release mode), bare and with rampart's middleware (default
// ruleset, block mode): what the middleware costs a request, without the
// network.
func BenchmarkRequest(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	routerbench.Run(b, func(agent *rampart.Agent) http.Handler {
		g := gin.New()
		if agent != nil {
			g.Use(rampartgin.New(agent))
		}
		g.GET("/users/:id", func(c *gin.Context) {
			c.Header("Content-Type", "application/json")
			_, _ = c.Writer.WriteString(`{"id":"` + c.Param("id") + `"}`)
		})
		return g
	})
}
