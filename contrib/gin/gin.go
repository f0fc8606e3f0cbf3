// Package gin protects gin-gonic/gin engines with rampart: the middleware
// runs once gin has routed the request, so the route's parameters
// (c.Params) are inspected by the WAF (server.request.path_params) and its
// full path ("/users/:id", c.FullPath) names the route in events; it
// aborts a blocked request with rampart's block response, and puts the
// request's security context on c.Request.Context(), where the sink guards
// find it.
//
//	r := gin.New()
//	r.Use(rampartgin.Middleware())
//	r.GET("/users/:id", getUser)
//
// When rampart is disabled, the middleware only calls c.Next.
package gin

import (
	"github.com/gin-gonic/gin"
	"github.com/rampartsec/rampart"
)

// Middleware protects the engine's handlers with the process-wide rampart
// Agent (rampart.Default): see httpguard.Middleware for the configuration.
func Middleware() gin.HandlerFunc {
	return New(rampart.Default())
}

// New returns a gin middleware that protects the handlers with agent; a
// nil agent lets every request through.
func New(agent *rampart.Agent) gin.HandlerFunc {
	return func(c *gin.Context) {
		if agent == nil {
			c.Next()
			return
		}
		var params map[string]string
		for _, p := range c.Params {
			if params == nil {
				params = make(map[string]string, len(c.Params))
			}
			params[p.Key] = p.Value
		}
		sec := agent.BeginHTTPRoute(c.Request, c.FullPath(), params)
		if sec == nil {
			c.Next() // rampart failed: fail open
			return
		}
		if resp, blocked := sec.BlockResponse(); blocked {
			for k, vs := range resp.Header {
				c.Writer.Header()[k] = vs
			}
			c.AbortWithStatus(resp.Status)
			_, _ = c.Writer.Write(resp.Body)
			sec.Finish(resp.Status)
			return
		}
		c.Request = c.Request.WithContext(rampart.WithRequest(c.Request.Context(), sec))
		defer func() { sec.Finish(c.Writer.Status()) }()
		c.Next()
	}
}
