//go:build race

package ato_test

const raceEnabled = true
