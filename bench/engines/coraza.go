package engines

import (
	"fmt"
	"strconv"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"

	"github.com/rampartsec/rampart/internal/corpus"
)

func init() { Register("coraza-crs", newCoraza) }

// CorazaDirectives is the setup the coraza-coreruleset package documents:
// Coraza's recommended configuration, blocking mode, the CRS example setup
// (paranoia level 1, inbound anomaly threshold 5) and every CRS rule file.
// Audit logging is off: no other engine here writes a log per request.
const CorazaDirectives = `
Include @coraza.conf-recommended
SecRuleEngine On
SecRequestBodyAccess On
SecAuditEngine Off
Include @crs-setup.conf.example
Include @owasp_crs/*.conf
`

// corazaEngine is OWASP Coraza v3 with the OWASP Core Rule Set v4.
type corazaEngine struct {
	waf coraza.WAF
}

func newCoraza(Options) (Engine, error) {
	w, err := coraza.NewWAF(coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(CorazaDirectives))
	if err != nil {
		return nil, fmt.Errorf("coraza: %w", err)
	}
	return &corazaEngine{waf: w}, nil
}

// corazaRequest is a request as a server hands it to Coraza.
type corazaRequest struct {
	method, uri, host, clientIP string
	clientPort                  int
	headers                     [][2]string
	body                        []byte
}

func (e *corazaEngine) Prepare(r *corpus.Request) (any, error) {
	h := Wire(r)
	return &corazaRequest{
		method:     r.Request.Method,
		uri:        r.Request.URI,
		host:       header(h, "Host"),
		clientIP:   r.Request.ClientIP,
		clientPort: 41234,
		headers:    h,
		body:       []byte(r.Request.Body),
	}, nil
}

// Eval runs one transaction through the request phases, as Coraza's
// net/http middleware does: connection, URI, headers, body. The request is
// flagged when the transaction is interrupted (in CRS blocking mode, an
// inbound anomaly score of 5 or more at paranoia level 1, or a deny from
// the recommended configuration such as a body that fails to parse).
func (e *corazaEngine) Eval(p any, rules []string) ([]string, Verdict) {
	r := p.(*corazaRequest)
	tx := e.waf.NewTransaction()
	defer tx.Close()
	tx.ProcessConnection(r.clientIP, r.clientPort, "", 0)
	tx.ProcessURI(r.uri, r.method, "HTTP/1.1")
	for _, kv := range r.headers {
		tx.AddRequestHeader(kv[0], kv[1])
	}
	if r.host != "" {
		tx.SetServerName(r.host)
	}
	var v Verdict
	it := tx.ProcessRequestHeaders()
	if it == nil {
		if tx.IsRequestBodyAccessible() && len(r.body) > 0 {
			var err error
			if it, _, err = tx.WriteRequestBody(r.body); err != nil {
				v.Err = true
			}
		}
		if it == nil {
			var err error
			if it, err = tx.ProcessRequestBody(); err != nil {
				v.Err = true
			}
		}
	}
	v.Flagged = it != nil
	for _, m := range tx.MatchedRules() {
		if m.Message() == "" {
			continue // initialization and bookkeeping rules
		}
		rules = append(rules, strconv.Itoa(m.Rule().ID()))
	}
	return rules, v
}

func (e *corazaEngine) Close() {}
