//go:build !race

package lambdaguard

const raceEnabled = false
