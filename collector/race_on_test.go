//go:build race

package collector_test

// raceEnabled is true under the race detector, which slows the pure-Go
// SQLite down by an order of magnitude.
const raceEnabled = true
