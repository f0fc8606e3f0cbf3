package ato

import "time"

// Config sets the detectors' windows and thresholds. The zero value of
// every field means the default named beside it (the Default constants);
// DefaultConfig returns them all filled in.
type Config struct {
	BruteForce  BruteForceConfig
	Stuffing    StuffingConfig
	Distributed DistributedConfig
	Takeover    TakeoverConfig
	Velocity    VelocityConfig

	// IPv4Prefix and IPv6Prefix are the prefix lengths by which client
	// addresses are grouped: 32 (each IPv4 address alone) and 64 (an IPv6
	// /64, what one customer line or cloud instance gets, so that rotating
	// through its addresses does not escape the counts).
	IPv4Prefix, IPv6Prefix int
	// Horizon: events older than this before the newest event seen are
	// not detected on (1h). They are still the collector's to store.
	Horizon time.Duration
	// Cooldown is the shortest time between two emissions of one signal
	// key (1m).
	Cooldown time.Duration
	// Updates makes the detector emit, during a key's cooldown, updates of
	// the campaign (Signal.Update): each time the signal holds again, the
	// attempts no earlier emission counted (Signal.New), without a new
	// reason, evidence or decision, so that a signal's running total keeps
	// up with a campaign that goes on after its detection. Off (the
	// default), nothing is emitted within the cooldown and the attempts
	// are added by the next emission after it, if the campaign still goes
	// on. With Updates, the events of one key must be observed one at a
	// time (the collector observes its events in order, one by one).
	Updates bool
	// CampaignTTL is how long an IP named by a brute-force or stuffing
	// signal counts as part of a campaign, for account_takeover (1h).
	CampaignTTL time.Duration
	// TimelineLimit is the number of attempts in a signal's timeline (50).
	TimelineLimit int
	// LogLimit is the number of attempts kept per account and per IP
	// group (64): counts above it saturate, which is above every
	// threshold.
	LogLimit int
	// MaxIPs and MaxUsers bound the IPs and users a signal names (1000,
	// 100).
	MaxIPs, MaxUsers int
}

// BruteForceConfig: a brute_force signal is many failures on one account,
// after its last success: Failures within Window, or SlowFailures within
// SlowWindow (a slow brute force that stays under the first, spread over
// rotating IPs to escape per-IP limits). The account log keeps at most
// Config.LogLimit attempts, so SlowFailures must stay below it.
type BruteForceConfig struct {
	Window       time.Duration // 10m
	Failures     int           // 10 (Auth0's figure; OWASP ASVS allows at most 100/h)
	SlowWindow   time.Duration // 1h
	SlowFailures int           // 20
}

// StuffingConfig: a credential_stuffing signal is one IP group failing on
// many distinct logins within Window, mostly failing: at least Logins
// distinct failed logins, or NonexistentLogins of them unknown to the
// application, with a failure ratio of at least FailureRatio (a NAT
// address whose users mostly succeed stays below it).
type StuffingConfig struct {
	Window            time.Duration // 10m
	Logins            int           // 10
	NonexistentLogins int           // 5
	FailureRatio      float64       // 0.5
}

// DistributedConfig: a distributed_credential_stuffing signal is the
// global failure ratio, or the ratio of attempts on logins that do not
// exist, far above its learned baseline over the last two Buckets, and
// still so without the IP groups that failed more than AttemptsPerIP
// times there (those are single-source stuffing or brute force, signalled
// as such), with at least IPs groups of at most AttemptsPerIP failures.
//
// The baseline is learned from the Baselines buckets before those two:
// they are grouped in chunks of ten, the ratio of each chunk with at least
// BaselineVolume attempts is computed, and the median of those ratios is
// the baseline (a median, so that a campaign does not teach itself as
// normal). With fewer than two such chunks, PriorFailureRatio and
// PriorNonexistentRatio stand in. With at least MinFailures failures, the
// failure ratio is anomalous at Factor times its baseline and MinExcess
// above it; the unknown-login ratio at FactorNonexistent times its
// baseline and MinExcessNonexistent above it, when the excess of unknown logins is
// also ZScore standard deviations beyond chance (a Poisson count at the
// baseline rate), so that a busy service's noise does not pass.
//
// The participating IPs named are those that failed within NameWindow,
// had no success there, whose last failure is older than Grace (a user who
// mistyped usually succeeds within seconds; IPs still active are named by
// the next emission), that failed at most twice AttemptsPerIP times, and
// that either tried a login that does not exist, failed at least twice, or
// failed on a login that another IP also failed on.
type DistributedConfig struct {
	Bucket                time.Duration // 30s
	Baselines             int           // 120
	BaselineVolume        int           // 50
	PriorFailureRatio     float64       // 0.2
	PriorNonexistentRatio float64       // 0.05
	Factor                float64       // 3
	MinExcess             float64       // 0.2
	FactorNonexistent     float64       // 2
	MinExcessNonexistent  float64       // 0.01
	ZScore                float64       // 5
	MinFailures           int           // 30
	IPs                   int           // 10
	AttemptsPerIP         int           // 5
	NameWindow            time.Duration // 10m
	Grace                 time.Duration // 20s
	// LogLimit bounds the global log of failures the IPs are named from
	// (20000).
	LogLimit int
}

// TakeoverConfig: an account_takeover signal is a success on an account
// after at least Failures failures from the same IP group since its
// previous success within Window, or a success from an IP that is part of
// a campaign. (The real user logging in from home after a brute force from
// elsewhere is not a takeover.)
type TakeoverConfig struct {
	Window   time.Duration // 1h
	Failures int           // 5
}

// VelocityConfig: a login_velocity signal is one account logging in
// successfully from at least IPs IP groups within Window.
type VelocityConfig struct {
	Window time.Duration // 10m
	IPs    int           // 5
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	var c Config
	c.fill()
	return c
}

func setDur(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

func setInt(n *int, v int) {
	if *n <= 0 {
		*n = v
	}
}

func setFloat(f *float64, v float64) {
	if *f <= 0 {
		*f = v
	}
}

// fill replaces zero fields with the defaults.
func (c *Config) fill() {
	setDur(&c.BruteForce.Window, 10*time.Minute)
	setInt(&c.BruteForce.Failures, 10)
	setDur(&c.BruteForce.SlowWindow, time.Hour)
	setInt(&c.BruteForce.SlowFailures, 20)

	setDur(&c.Stuffing.Window, 10*time.Minute)
	setInt(&c.Stuffing.Logins, 10)
	setInt(&c.Stuffing.NonexistentLogins, 5)
	setFloat(&c.Stuffing.FailureRatio, 0.5)

	d := &c.Distributed
	setDur(&d.Bucket, 30*time.Second)
	setInt(&d.Baselines, 120)
	setInt(&d.BaselineVolume, 50)
	setFloat(&d.PriorFailureRatio, 0.2)
	setFloat(&d.PriorNonexistentRatio, 0.05)
	setFloat(&d.Factor, 3)
	setFloat(&d.MinExcess, 0.2)
	setFloat(&d.FactorNonexistent, 2)
	setFloat(&d.MinExcessNonexistent, 0.01)
	setFloat(&d.ZScore, 5)
	setInt(&d.MinFailures, 30)
	setInt(&d.IPs, 10)
	setInt(&d.AttemptsPerIP, 5)
	setDur(&d.NameWindow, 10*time.Minute)
	setDur(&d.Grace, 20*time.Second)
	setInt(&d.LogLimit, 20000)

	setDur(&c.Takeover.Window, time.Hour)
	setInt(&c.Takeover.Failures, 5)

	setDur(&c.Velocity.Window, 10*time.Minute)
	setInt(&c.Velocity.IPs, 5)

	setInt(&c.IPv4Prefix, 32)
	setInt(&c.IPv6Prefix, 64)
	c.IPv4Prefix = min(c.IPv4Prefix, 32)
	c.IPv6Prefix = min(c.IPv6Prefix, 128)
	setDur(&c.Horizon, time.Hour)
	setDur(&c.Cooldown, time.Minute)
	setDur(&c.CampaignTTL, time.Hour)
	setInt(&c.TimelineLimit, 50)
	setInt(&c.LogLimit, 64)
	setInt(&c.MaxIPs, 1000)
	setInt(&c.MaxUsers, 100)
}
