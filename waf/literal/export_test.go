package literal

// Hooks for the tests of the table of known matchers (package literal_test).
var (
	// SetUseKnown turns the table of known matchers on or off.
	SetUseKnown = func(on bool) { useKnown = on }
	// KnownTable is the table in use.
	KnownTable = func() string { return knownMatchers }
	// IsKnown reports whether the table has the pattern set.
	IsKnown = func(ps []string) bool { return knownMatcher(ps) != nil }
	// BuildMatcher builds a matcher without the table.
	BuildMatcher = buildMatcher
)
