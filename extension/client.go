// Package extension is the rampart Lambda extension: an external extension
// (Lambda's Extensions API: register, next, INVOKE, SHUTDOWN) that runs
// beside a function in its execution environment. It receives the
// function's events on localhost (POST /v1/events, the collector's ingest
// contract), buffers them within bounds, forwards them to the collector
// (RAMPART_ENDPOINT, RAMPART_API_KEY) at every INVOKE, so between two
// invocations of the function, and on SHUTDOWN, and serves the collector's
// decision lists to the function from its cache (GET /v1/decisions with
// ETag). Drops are counted, logged and reported to the collector with the
// next batch.
//
// In proxy mode, for functions in any language, it also proxies the Lambda
// Runtime API (the function's AWS_LAMBDA_RUNTIME_API points at it), runs
// rampart's WAF on HTTP-shaped invocation events (the same engine and the
// same event decoding as lambdaguard) and answers blocked invocations itself.
package extension

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Name is the extension's name, as Lambda knows it: the file name under
// /opt/extensions.
const Name = "rampart"

// Event types of the Extensions API.
const (
	Invoke   = "INVOKE"
	Shutdown = "SHUTDOWN"
)

// Event is what the Extensions API's next call returns.
type Event struct {
	EventType          string `json:"eventType"`
	DeadlineMs         int64  `json:"deadlineMs"`
	RequestID          string `json:"requestId"`
	InvokedFunctionArn string `json:"invokedFunctionArn"`
	ShutdownReason     string `json:"shutdownReason"`
}

// Client talks to the Extensions API at AWS_LAMBDA_RUNTIME_API.
type Client struct {
	base string
	id   string
	hc   *http.Client
}

// NewClient returns a client for the Extensions API at runtimeAPI
// ("127.0.0.1:9001").
func NewClient(runtimeAPI string) *Client {
	return &Client{base: "http://" + runtimeAPI + "/2020-01-01/extension", hc: &http.Client{}}
}

// ID returns the identifier Lambda gave the extension at registration.
func (c *Client) ID() string { return c.id }

// Register registers the extension for the given event types.
func (c *Client) Register(ctx context.Context, name string, events ...string) error {
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/register", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Extension-Name", name)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("extension register: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("extension register: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	c.id = resp.Header.Get("Lambda-Extension-Identifier")
	if c.id == "" {
		return fmt.Errorf("extension register: no Lambda-Extension-Identifier in the answer")
	}
	return nil
}

// Next blocks until the next event (INVOKE or SHUTDOWN). Calling it also
// tells Lambda that the extension is done with the previous one.
func (c *Client) Next(ctx context.Context) (*Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/event/next", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Lambda-Extension-Identifier", c.id)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("extension next: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("extension next: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	var ev Event
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ev); err != nil {
		return nil, fmt.Errorf("extension next: %w", err)
	}
	return &ev, nil
}

// InitError reports a failure during the extension's init to Lambda, which
// then fails the init phase; errorType is "Extension.Reason" shaped.
func (c *Client) InitError(ctx context.Context, errorType string, cause error) error {
	return c.reportError(ctx, "/init/error", errorType, cause)
}

// ExitError reports a failure before the extension exits.
func (c *Client) ExitError(ctx context.Context, errorType string, cause error) error {
	return c.reportError(ctx, "/exit/error", errorType, cause)
}

func (c *Client) reportError(ctx context.Context, path, errorType string, cause error) error {
	body, _ := json.Marshal(map[string]string{"errorMessage": cause.Error(), "errorType": errorType})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Extension-Identifier", c.id)
	req.Header.Set("Lambda-Extension-Function-Error-Type", errorType)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
