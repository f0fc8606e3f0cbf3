// Package redis keeps the account-takeover detectors' state on Redis, so
// that several collector processes behind a load balancer detect as one:
// Window implements ato.Window with sorted sets (the logs, scored by event
// time) and hashes (the bucketed counters), each operation one Lua script,
// atomic on the server.
//
// Logs are under prefix+"l:"+key, counters under prefix+"n:"+key. Times
// are kept to the microsecond. Every key expires twice its span (or
// its buckets' total width) after its last write, at least a minute, so
// the keyspace is bounded by the traffic of one span; within that, the
// bounds are those the detectors ask for (ato.Config.LogLimit per account
// and IP, DistributedConfig.LogLimit for the global log).
//
// Connect with Open("redis://127.0.0.1:6379/0", "rampart:") or wrap a
// go-redis client with New.
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/collector/ato"
)

// Window is an ato.Window on Redis. It is safe for concurrent use, and
// Windows in several processes with the same client target and prefix
// share their state.
type Window struct {
	c      goredis.UniversalClient
	prefix string
	owned  bool
}

var (
	_ ato.Window       = (*Window)(nil)
	_ ato.AppendRanger = (*Window)(nil)
	_ ato.Pipeliner    = (*Window)(nil)
)

// New returns a Window over c, its keys prefixed with prefix ("rampart:ato:"
// when empty). The caller keeps ownership of c.
func New(c goredis.UniversalClient, prefix string) *Window {
	if prefix == "" {
		prefix = "rampart:ato:"
	}
	return &Window{c: c, prefix: prefix}
}

// Open connects to the Redis server of url (redis:// or rediss://, as
// --state takes it), checks that it answers, and returns a Window over it;
// Close releases the connection.
func Open(ctx context.Context, url, prefix string) (*Window, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	c := goredis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis: %s: %w", opts.Addr, err)
	}
	w := New(c, prefix)
	w.owned = true
	return w, nil
}

// Close closes the connection of a Window made by Open; for one made by
// New it does nothing (the client is the caller's).
func (w *Window) Close() error {
	if w.owned {
		return w.c.Close()
	}
	return nil
}

// appendScript adds a member scored by time, drops the members older than
// the span before the newest and the oldest beyond the limit, and renews
// the expiry. KEYS[1] the log; ARGV score, member, span, limit (scores
// and span in microseconds), ttl (ms).
var appendScript = goredis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local cut = tonumber(top[2]) - tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', cut))
local n = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[4])
if n > limit then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - limit - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return n
`)

// appendRangeScript is appendScript followed by the read of the entries
// within the span before the new one, newest first (at most limit).
// ARGV as appendScript's, then the range's lower bound.
var appendRangeScript = goredis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local cut = tonumber(top[2]) - tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', cut))
local n = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[4])
if n > limit then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - limit - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[6], 'WITHSCORES', 'LIMIT', 0, limit)
`)

// addScript adds to a bucket of a hash of buckets, keeps the newest
// bucket index in field "max" and the largest n asked for in "keep", trims
// buckets older than keep before max once the hash has grown to twice
// that, renews the expiry (for keep buckets) and returns the requested
// buckets. KEYS[1] the hash; ARGV idx, n, delta, ttl (ms), then
// the n bucket fields to return.
var addScript = goredis.NewScript(`
local idx = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
if tonumber(ARGV[3]) ~= 0 then
  redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
end
local max = tonumber(redis.call('HGET', KEYS[1], 'max'))
if max == nil or idx > max then
  max = idx
  redis.call('HSET', KEYS[1], 'max', ARGV[1])
end
local keep = tonumber(redis.call('HGET', KEYS[1], 'keep'))
if keep == nil or n > keep then
  keep = n
  redis.call('HSET', KEYS[1], 'keep', ARGV[2])
end
if redis.call('HLEN', KEYS[1]) > 2 * keep + 3 then
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if f ~= 'max' and f ~= 'keep' and tonumber(f) <= max - keep then
      redis.call('HDEL', KEYS[1], f)
    end
  end
end
local ttl = tonumber(ARGV[4])
if n < keep then
  ttl = ttl * keep / n
end
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
return redis.call('HMGET', KEYS[1], unpack(ARGV, 5))
`)

// suffixLen is the length of the random suffix that makes log members
// unique: a NUL and 16 hex digits.
const suffixLen = 17

func micros(t time.Time) int64 { return t.UnixMicro() }

func ttl(span time.Duration) int64 {
	return max(2*span, time.Minute).Milliseconds()
}

// Append implements ato.Window.
func (w *Window) Append(ctx context.Context, key string, e ato.Entry, span time.Duration, limit int) error {
	if limit <= 0 {
		return nil
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	member := e.Value + "\x00" + hex.EncodeToString(rnd[:])
	err := appendScript.Run(ctx, w.c, []string{w.prefix + "l:" + key},
		micros(e.Time), member, span.Microseconds(), limit, ttl(span)).Err()
	if err != nil {
		return fmt.Errorf("redis: append %s: %w", key, err)
	}
	return nil
}

// AppendRange implements ato.AppendRanger: Append and Range in one
// round trip.
func (w *Window) AppendRange(ctx context.Context, key string, e ato.Entry, span time.Duration, limit int) ([]ato.Entry, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	member := e.Value + "\x00" + hex.EncodeToString(rnd[:])
	us := micros(e.Time)
	res, err := appendRangeScript.Run(ctx, w.c, []string{w.prefix + "l:" + key},
		us, member, span.Microseconds(), limit, ttl(span), us-span.Microseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis: append %s: %w", key, err)
	}
	return entries(res), nil
}

// entries reads appendRangeScript's answer, newest first, into entries
// oldest first.
func entries(res []any) []ato.Entry {
	out := make([]ato.Entry, 0, len(res)/2)
	for i := len(res) - 2; i >= 0; i -= 2 {
		m, ok := res[i].(string)
		if !ok || len(m) < suffixLen {
			continue
		}
		var n float64
		switch sc := res[i+1].(type) {
		case string:
			var err error
			if n, err = strconv.ParseFloat(sc, 64); err != nil {
				continue
			}
		case float64:
			n = sc
		case int64:
			n = float64(sc)
		default:
			continue
		}
		out = append(out, ato.Entry{Time: time.UnixMicro(int64(n)), Value: m[:len(m)-suffixLen]})
	}
	return out
}

// Range implements ato.Window.
func (w *Window) Range(ctx context.Context, key string, from, to time.Time, limit int) ([]ato.Entry, error) {
	if limit <= 0 || to.Before(from) {
		return nil, nil
	}
	zs, err := w.rangeCmd(ctx, w.c, key, from, to, limit).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: range %s: %w", key, err)
	}
	return zentries(zs), nil
}

func (w *Window) rangeCmd(ctx context.Context, c goredis.Cmdable, key string, from, to time.Time, limit int) *goredis.ZSliceCmd {
	return c.ZRevRangeByScoreWithScores(ctx, w.prefix+"l:"+key, &goredis.ZRangeBy{
		Min: strconv.FormatInt(micros(from), 10), Max: strconv.FormatInt(micros(to), 10), Count: int64(limit),
	})
}

// zentries reads a range's answer, newest first, into entries oldest first.
func zentries(zs []goredis.Z) []ato.Entry {
	out := make([]ato.Entry, 0, len(zs))
	for i := len(zs) - 1; i >= 0; i-- {
		m, ok := zs[i].Member.(string)
		if !ok || len(m) < suffixLen {
			continue
		}
		out = append(out, ato.Entry{Time: time.UnixMicro(int64(zs[i].Score)), Value: m[:len(m)-suffixLen]})
	}
	return out
}

// Add implements ato.Window.
func (w *Window) Add(ctx context.Context, key string, t time.Time, width time.Duration, n int, delta int64) ([]int64, error) {
	if width <= 0 || n <= 0 {
		return nil, nil
	}
	res, err := addScript.Run(ctx, w.c, []string{w.prefix + "n:" + key}, addArgs(t, width, n, delta)...).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis: add %s: %w", key, err)
	}
	return counts(res, n), nil
}

// addArgs are addScript's arguments for an Add.
func addArgs(t time.Time, width time.Duration, n int, delta int64) []any {
	idx := ato.BucketIndex(t, width)
	args := make([]any, 0, 4+n)
	args = append(args, idx, n, delta, ttl(width*time.Duration(n)))
	for i := idx - int64(n) + 1; i <= idx; i++ {
		args = append(args, i)
	}
	return args
}

// counts reads addScript's answer.
func counts(res []any, n int) []int64 {
	out := make([]int64, n)
	for i, v := range res {
		if i >= n {
			break
		}
		if s, ok := v.(string); ok {
			out[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return out
}

// Pipeline implements ato.Pipeliner: the operations' scripts are sent in
// one pipeline (one round trip), each atomic on the server as its call
// alone would be. A server that lost the scripts (restarted, flushed) is
// given them again and the pipeline sent once more.
func (w *Window) Pipeline(ctx context.Context, ops []*ato.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if len(ops) == 1 {
		return w.one(ctx, ops[0])
	}
	for attempt := 0; ; attempt++ {
		cmds := make([]goredis.Cmder, len(ops))
		_, err := w.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, op := range ops {
				cmds[i] = w.opCmd(ctx, p, op)
			}
			return nil
		})
		if err != nil && attempt == 0 && goredis.HasErrorPrefix(err, "NOSCRIPT") {
			for _, sc := range []*goredis.Script{appendScript, appendRangeScript, addScript} {
				if err := sc.Load(ctx, w.c).Err(); err != nil {
					return fmt.Errorf("redis: loading the scripts: %w", err)
				}
			}
			continue
		}
		for i, op := range ops {
			if cmds[i] == nil {
				continue
			}
			if cerr := cmds[i].Err(); cerr != nil && !errors.Is(cerr, goredis.Nil) {
				return fmt.Errorf("redis: %s: %w", op.Key, cerr)
			}
			switch cmd := cmds[i].(type) {
			case *goredis.ZSliceCmd:
				op.Entries = zentries(cmd.Val())
			case *goredis.Cmd:
				sl, _ := cmd.Val().([]any)
				switch op.Kind {
				case ato.OpAppendRange:
					op.Entries = entries(sl)
				case ato.OpAdd:
					op.Counts = counts(sl, op.N)
				}
			}
		}
		if err != nil && !errors.Is(err, goredis.Nil) {
			return fmt.Errorf("redis: pipeline: %w", err)
		}
		return nil
	}
}

// one runs a single op as its own call.
func (w *Window) one(ctx context.Context, op *ato.Op) error {
	var err error
	switch op.Kind {
	case ato.OpAppend:
		err = w.Append(ctx, op.Key, op.Entry, op.Span, op.Limit)
	case ato.OpAppendRange:
		op.Entries, err = w.AppendRange(ctx, op.Key, op.Entry, op.Span, op.Limit)
	case ato.OpAdd:
		op.Counts, err = w.Add(ctx, op.Key, op.Time, op.Width, op.N, op.Delta)
	case ato.OpRange:
		op.Entries, err = w.Range(ctx, op.Key, op.Time.Add(-op.Span), op.Time, op.Limit)
	}
	return err
}

// opCmd queues op's script (by its hash) or command on p, nil for an op
// that does nothing.
func (w *Window) opCmd(ctx context.Context, p goredis.Pipeliner, op *ato.Op) goredis.Cmder {
	switch op.Kind {
	case ato.OpRange:
		if op.Limit <= 0 || op.Span < 0 {
			return nil
		}
		return w.rangeCmd(ctx, p, op.Key, op.Time.Add(-op.Span), op.Time, op.Limit)
	case ato.OpAppend, ato.OpAppendRange:
		if op.Limit <= 0 {
			return nil
		}
		var rnd [8]byte
		rand.Read(rnd[:])
		member := op.Entry.Value + "\x00" + hex.EncodeToString(rnd[:])
		us := micros(op.Entry.Time)
		key := []string{w.prefix + "l:" + op.Key}
		if op.Kind == ato.OpAppend {
			return appendScript.EvalSha(ctx, p, key, us, member, op.Span.Microseconds(), op.Limit, ttl(op.Span))
		}
		return appendRangeScript.EvalSha(ctx, p, key, us, member, op.Span.Microseconds(), op.Limit, ttl(op.Span), us-op.Span.Microseconds())
	case ato.OpAdd:
		if op.Width <= 0 || op.N <= 0 {
			return nil
		}
		return addScript.EvalSha(ctx, p, []string{w.prefix + "n:" + op.Key}, addArgs(op.Time, op.Width, op.N, op.Delta)...)
	}
	return nil
}
