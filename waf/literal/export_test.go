package literal

// Hooks for the tests of the table of known matchers (package literal_test).
var (
	// SetRecordPatterns sets the function that receives every pattern set
	// given to NewMatcher (nil: none).
	SetRecordPatterns = func(f func([]string)) { recordPatterns = f }
	// SetUseKnown turns the table of known matchers on or off.
	SetUseKnown = func(on bool) { useKnown = on }
	// EncodeKnown returns the table of the pattern sets.
	EncodeKnown = encodeKnown
	// KnownTable is the table in use.
	KnownTable = func() string { return knownMatchers }
	// IsKnown reports whether the table has the pattern set.
	IsKnown = func(ps []string) bool { return knownMatcher(ps) != nil }
	// BuildMatcher builds a matcher without the table.
	BuildMatcher = buildMatcher
)
