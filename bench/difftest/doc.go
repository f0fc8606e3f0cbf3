// Package difftest holds the differential test between rampart's engine and
// Datadog's libddwaf, both loaded with Datadog's recommended ruleset and run
// on the same corpus requests:
//
//	cd bench && go test ./difftest -v
//
// It fails when the two engines disagree on whether a request is flagged
// for more than 1% of the corpus, and lists every disagreement (request id,
// which engine flagged it, the rules each matched) for the engine authors.
// Set DIFFTEST_OUT=file.jsonl to also write them as JSON lines.
package difftest
