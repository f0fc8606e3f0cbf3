//go:build race

package lambdaguard

// raceEnabled is true under the race detector, whose sync.Pool drops
// items at random: allocation counts are not the warm path's there.
const raceEnabled = true
