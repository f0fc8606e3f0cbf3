//go:build !race

package ato_test

const raceEnabled = false
