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
		bw := &blockWriter{ResponseWriter: c.Writer, sec: sec}
		c.Writer = bw
		defer func() {
			c.Writer = bw.ResponseWriter
			if !bw.ResponseWriter.Written() && sec.Blocked() != nil {
				// Blocked inside the handler (a sink guard), which wrote
				// nothing yet: answer with the block response.
				bw.block()
			}
			sec.Finish(bw.ResponseWriter.Status())
		}()
		c.Next()
	}
}

// blockWriter writes rampart's block response in place of the handler's
// once a sink guard blocked the request inside the handler, and discards
// what the handler writes after it.
type blockWriter struct {
	gin.ResponseWriter
	sec     *rampart.Request
	blocked bool
}

// block writes the block response, once.
func (w *blockWriter) block() {
	if w.blocked {
		return
	}
	w.blocked = true
	resp, _ := w.sec.BlockResponse()
	h := w.ResponseWriter.Header()
	for k := range h {
		delete(h, k)
	}
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.ResponseWriter.WriteHeader(resp.Status)
	_, _ = w.ResponseWriter.Write(resp.Body)
}

// stopped reports whether the handler's output must be dropped: the
// request was blocked before the response started.
func (w *blockWriter) stopped() bool {
	if w.blocked {
		return true
	}
	if !w.ResponseWriter.Written() && w.sec.Blocked() != nil {
		w.block()
		return true
	}
	return false
}

// WriteHeader records the handler's status, unless the request is blocked.
func (w *blockWriter) WriteHeader(code int) {
	if w.blocked || (!w.ResponseWriter.Written() && w.sec.Blocked() != nil) {
		return // the block response is written at the first write or at the end
	}
	w.ResponseWriter.WriteHeader(code)
}

// WriteHeaderNow sends the status, or the block response.
func (w *blockWriter) WriteHeaderNow() {
	if w.stopped() {
		return
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Write writes the handler's body, or drops it after a block.
func (w *blockWriter) Write(p []byte) (int, error) {
	if w.stopped() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// WriteString writes the handler's body, or drops it after a block.
func (w *blockWriter) WriteString(s string) (int, error) {
	if w.stopped() {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush flushes the handler's output, unless the request is blocked.
func (w *blockWriter) Flush() {
	if w.stopped() {
		return
	}
	w.ResponseWriter.Flush()
}
