package redis

import (
	"context"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// rateScript is a token bucket in one hash (tokens, last in microseconds):
// ARGV rate per second, burst, n, now in microseconds. It returns 0 when
// the n tokens were taken, else the microseconds until they will be.
var rateScript = goredis.NewScript(`
local b = redis.call('HMGET', KEYS[1], 't', 'l')
local rate, burst, n, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens, last = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens, last = burst, now end
if now > last then tokens = math.min(burst, tokens + (now - last) / 1e6 * rate); last = now end
local wait = 0
if tokens >= n then tokens = tokens - n else wait = math.ceil((n - tokens) / rate * 1e6) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'l', tostring(last))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return wait
`)

// Allow takes n tokens from key's bucket shared by every collector on this
// Redis (a token bucket of perSecond and burst), at now; when there are
// not enough it takes none and returns how long until there will be. It
// implements collector.RateStore.
func (w *Window) Allow(ctx context.Context, key string, n int, perSecond, burst float64, now time.Time) (bool, time.Duration, error) {
	need := min(float64(n), burst) // a batch larger than the burst waits for a full bucket
	wait, err := rateScript.Run(ctx, w.c, []string{w.prefix + "r:" + key},
		strconv.FormatFloat(perSecond, 'f', -1, 64), strconv.FormatFloat(burst, 'f', -1, 64),
		strconv.FormatFloat(need, 'f', -1, 64), strconv.FormatInt(now.UnixMicro(), 10)).Int64()
	if err != nil {
		return false, 0, err
	}
	if wait == 0 {
		return true, 0, nil
	}
	return false, max(time.Duration(wait)*time.Microsecond, time.Second), nil
}
