package httpinput

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
)

// FromHTTP returns the Request for r. It reads at most BodyLimit+1 bytes of
// r.Body (enough to know whether the body is longer than the limit) and
// replaces r.Body with a reader that returns those bytes and then the rest
// of the original body, so the handler still reads the whole body; nothing
// beyond the limit is buffered. Closing the new body closes the original.
//
// Header names come from r.Header, sorted (a Go server does not keep the wire
// order), with Host and Transfer-Encoding added back first; URI is
// r.RequestURI (or r.URL's for client-made requests). When r was routed by
// an http.ServeMux (r.Pattern is set: FromHTTP is called inside the handler
// rather than in a middleware around the mux), its wildcards become
// PathParams.
//
// A read error is returned with the Request holding what was read; r.Body
// then yields the same bytes and the error again.
func FromHTTP(r *http.Request, o *Options) (*Request, error) {
	o = o.orDefault()
	req := &Request{
		Method:     r.Method,
		URI:        r.RequestURI,
		RemoteAddr: r.RemoteAddr,
	}
	if req.URI == "" && r.URL != nil {
		req.URI = r.URL.RequestURI()
	}

	n := 1
	for _, vs := range r.Header {
		n += len(vs)
	}
	n += len(r.TransferEncoding)
	hs := make([][2]string, 0, min(n, MaxHeaders+1))
	if r.Host != "" {
		hs = append(hs, [2]string{"Host", r.Host})
	}
	for _, te := range r.TransferEncoding {
		hs = append(hs, [2]string{"Transfer-Encoding", te})
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range r.Header[k] {
			hs = append(hs, [2]string{k, v})
		}
	}
	req.Headers = hs

	if r.Pattern != "" {
		req.PathParams = patternParams(r)
	}

	limit := o.bodyLimit()
	if r.Body == nil || r.Body == http.NoBody || limit == 0 {
		return req, nil
	}
	size := limit + 1
	if r.ContentLength >= 0 && r.ContentLength < int64(size) {
		size = int(r.ContentLength) + 1 // +1 to see a body longer than announced
	}
	buf := make([]byte, 0, min(size, 32<<10))
	var err error
	for len(buf) < limit+1 {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		var m int
		m, err = r.Body.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+m]
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	req.Body = buf
	var rest io.Reader = &errReader{r.Body, err}
	if sl := o.sinkBodyLimit(); len(buf) > limit && sl > len(buf) {
		// A body longer than the inspected prefix: exploit prevention
		// still sees what the handler reads of it, up to SinkBodyLimit.
		req.tail = &bodyTail{limit: sl}
		rest = &tailReader{r: rest, t: req.tail, n: len(buf)}
	}
	r.Body = &replayBody{r: io.MultiReader(bytes.NewReader(buf), rest), c: r.Body}
	return req, err
}

// replayBody reads the inspected prefix and then the rest of the original
// body, and closes the original.
type replayBody struct {
	r io.Reader
	c io.Closer
}

func (b *replayBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *replayBody) Close() error               { return b.c.Close() }

// errReader returns err, when reading it failed before, or reads on.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return e.r.Read(p)
}

// patternParams returns the values of the wildcards of r.Pattern
// ("GET /items/{id}/{rest...}").
func patternParams(r *http.Request) map[string]string {
	var pp map[string]string
	p := r.Pattern
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			return pp
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			return pp
		}
		name := strings.TrimSuffix(p[i+1:i+j], "...")
		p = p[i+j+1:]
		if name == "" || name == "$" {
			continue
		}
		if pp == nil {
			pp = make(map[string]string)
		}
		pp[name] = r.PathValue(name)
	}
}
