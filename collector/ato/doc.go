// Package ato detects account takeover in the user events that functions
// report (login successes and failures, package event): brute force,
// credential stuffing from one source, distributed credential stuffing
// over many sources, account takeover and login velocity. It works over
// sliding windows of event time — each event's own timestamp, never the
// clock — so recorded traffic replays to the same signals.
//
// # Entry point
//
// The collector builds one Detector over a Window and feeds it every user
// event it ingests; each signal it gets back goes through a Policy:
//
//	det := ato.New(ato.Config{}, ato.NewMemory(ato.MemoryConfig{})) // or redis.New(...)
//	var pol ato.Policy // DefaultResponses
//	sigs, err := det.Observe(ctx, ev)
//	for _, s := range sigs {
//		for _, d := range pol.Respond(s) {
//			// store s (merged by s.Key), publish d as a decision
//		}
//	}
//
// The policy's responses are configurable per signal type (Policy,
// ParsePolicy for a JSON document, DefaultResponses for the defaults).
// Signals and Decisions are this package's own types, with the contract's
// names in Type and Kind; the collector maps them to its store. A signal
// key is emitted at most once per Config.Cooldown: later emissions with the
// same Key update the same campaign (more IPs, later LastSeen).
//
// # Detectors
//
// The thresholds and windows are in Config, each documented with its
// default; in short:
//
//   - brute_force: 10 failures on one account after its last success
//     within 10 minutes, or 20 within an hour; the attacking IPs are named, except shared
//     addresses where other users mostly succeed (an office NAT).
//   - credential_stuffing: one IP group failing on 10 distinct logins, or
//     on 5 that do not exist, within 10 minutes, with at least half of its
//     attempts failing: a NAT address whose users mostly succeed is not an
//     attack.
//   - distributed_credential_stuffing: the global failure ratio (or the
//     ratio of attempts on logins that do not exist) of the last minute
//     (two 30 s buckets) at least 3 (2) times its baseline and 20 (1)
//     points above it (the unknown-login excess also 5 standard
//     deviations beyond chance), with 30 failures or more, still so
//     without the IPs that failed more than 5 times, over at least 10 IPs.
//     The baseline is the median of five-minute ratios over the past hour
//     (prior 20% and 5% until learned). The participating IPs are named;
//     the first emission may name none yet (they are named once their
//     last failure is 20 s old, so that a user who mistyped and retries is
//     not).
//   - account_takeover: a success after 5 failures from the same IP group
//     since the account's previous success within an hour, or a success
//     from an IP named by a brute-force or stuffing signal within the last
//     hour.
//   - login_velocity: one account logging in from 5 IP groups within 10
//     minutes.
//
// Client addresses are grouped into IP groups: IPv4 addresses alone, IPv6
// addresses by /64 (Config.IPv4Prefix, Config.IPv6Prefix), so that an
// attacker rotating through the addresses of one prefix is counted, named
// and blocked as one ("2001:db8:1:2::/64"). Accounts are grouped by login,
// case folded, or by user id when the event has no login: applications
// pass the login with successes too (rampart.WithLogin) so that a success
// meets the failures before it.
//
// # State
//
// The state is a Window (three methods: Append, Range, Add): bounded logs
// of attempts per account and per IP group, a bounded global log of
// failures, and bucketed global counters; a Window that also implements
// AppendRanger saves a round trip per log. Memory keeps it in this
// process; package collector/redis keeps it on Redis for several
// collectors; both pass the contract suite of package atotest.
//
// Everything is bounded, and what is approximated is:
//
//   - each account and IP group keeps its last Config.LogLimit (64)
//     attempts: counts above that saturate (above every threshold), and a
//     NAT address's ratio is that of its last 64 attempts;
//   - the global failure log keeps the last DistributedConfig.LogLimit
//     (20,000) failures of the naming window: a campaign larger than that
//     within ten minutes is named from its latest failures;
//   - Memory keeps at most MaxKeys keys (200,000) and MaxEntries entries
//     (1,000,000, about 100 MB) and evicts whole keys least recently used
//     first: under a flood of a million distinct IPs or logins, the
//     accounts and IPs not seen for longest are forgotten (an attacker who
//     waits out the flood starts from zero), while the global counters and
//     log, touched on every failure, stay;
//   - on Redis, every key expires (twice its span after its last write),
//     so the keyspace is bounded by the traffic of one span.
//
// Events older than Config.Horizon (1h) before the newest event seen are
// not detected on.
package ato
