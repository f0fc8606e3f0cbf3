//go:build race

package rampart

// raceEnabled is true under the race detector, which multiplies the CPU
// time of an evaluation several times.
const raceEnabled = true
