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
				params[names[i]] = values[i]
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
			err := next(c)
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
