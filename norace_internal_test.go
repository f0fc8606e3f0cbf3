//go:build !race

package rampart

const raceEnabled = false
