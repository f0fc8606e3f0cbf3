// Package echo protects labstack/echo (v4) servers with rampart: installed
// with Echo.Use, the middleware runs once echo has routed the request, so
// the route's parameters (c.ParamNames, c.ParamValues) are inspected by the
// WAF (server.request.path_params) and its path ("/users/:id", c.Path)
// names the route in events; it answers a blocked request with rampart's
// block response, and puts the request's security context on
// c.Request().Context(), where the sink guards find it.
//
//	e := echo.New()
//	e.Use(rampartecho.Middleware())
//	e.GET("/users/:id", getUser)
//
// When rampart is disabled, the middleware returns the handler itself.
package echo

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/rampartsec/rampart"
)

// Middleware protects the server's handlers with the process-wide rampart
// Agent (rampart.Default): see httpguard.Middleware for the configuration.
func Middleware() echo.MiddlewareFunc {
	return New(rampart.Default())
}

// New returns an echo middleware that protects the handlers with agent; a
// nil agent returns them unchanged.
func New(agent *rampart.Agent) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if agent == nil {
			return next
		}
		return func(c echo.Context) error {
			names, values := c.ParamNames(), c.ParamValues()
			var params map[string]string
			for i := 0; i < len(names) && i < len(values); i++ {
				if params == nil {
					params = make(map[string]string, len(names))
				}
				// echo routes on the escaped path when the URL has one
				// (c.Param is then "1%27..."): the engine sees the value
				// the application unescapes.
				v := values[i]
				if u, err := url.PathUnescape(v); err == nil {
					v = u
				}
				params[names[i]] = v
			}
			sec := agent.BeginHTTPRoute(c.Request(), c.Path(), params)
			if sec == nil {
				return next(c) // rampart failed: fail open
			}
			if resp, blocked := sec.BlockResponse(); blocked {
				w := c.Response()
				for k, vs := range resp.Header {
					w.Header()[k] = vs
				}
				w.WriteHeader(resp.Status)
				_, err := w.Write(resp.Body)
				sec.Finish(resp.Status)
				return err
			}
			c.SetRequest(c.Request().WithContext(rampart.WithRequest(c.Request().Context(), sec)))
			res := c.Response()
			bw := &blockWriter{ResponseWriter: res.Writer, sec: sec}
			res.Writer = bw
			err := next(c)
			res.Writer = bw.ResponseWriter
			if sec.Blocked() != nil && (bw.blocked || !res.Committed) {
				// Blocked inside the handler (a sink guard): the client
				// has rampart's block response, whatever the handler
				// returned.
				if !res.Committed {
					bw.block()
				}
				resp, _ := sec.BlockResponse()
				sec.Finish(resp.Status)
				return nil
			}
			status := c.Response().Status
			if err != nil && !c.Response().Committed {
				status = 500
				if he, ok := err.(*echo.HTTPError); ok {
					status = he.Code
				}
			}
			sec.Finish(status)
			return err
		}
	}
}

// blockWriter writes rampart's block response in place of the handler's
// once a sink guard blocked the request inside the handler, and discards
// what the handler writes after it.
type blockWriter struct {
	http.ResponseWriter
	sec     *rampart.Request
	started bool
	blocked bool
}

// block writes the block response, once.
func (w *blockWriter) block() {
	if w.blocked {
		return
	}
	w.blocked, w.started = true, true
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

// WriteHeader sends the handler's status, or the block response.
func (w *blockWriter) WriteHeader(code int) {
	if w.started {
		return
	}
	if w.sec.Blocked() != nil {
		w.block()
		return
	}
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the handler's body, or drops it after a block.
func (w *blockWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.blocked {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Flush flushes the handler's output, unless the request is blocked.
func (w *blockWriter) Flush() {
	if w.blocked {
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w *blockWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
