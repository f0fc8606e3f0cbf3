package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"
)

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

// printTable writes the report as aligned text tables.
func printTable(w io.Writer, r *Report, order []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "engine\tinit ms\tready ms\tRSS MiB\tp50 µs\tp99 µs\tbest p50\tbest p99\tmean µs\tCPU µs\tprepare µs\tallocs/req\tattacks flagged\tbenign flagged\ttimeouts\terrors\t\n")
	var names []string
	for _, n := range order {
		if r.Engines[n] != nil {
			names = append(names, n)
		}
	}
	for _, n := range names {
		e := r.Engines[n]
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%d/%d %s\t%d/%d %s\t%d\t%d\t\n",
			n, e.InitMs, e.ReadyMs, e.RSSMiB, e.P50us, e.P99us, e.BestP50us, e.BestP99us, e.MeanUs, e.CPUUs, e.PrepareUs, e.Allocs,
			e.AttacksFlagged, e.Attacks, pct(e.AttacksFlagged, e.Attacks),
			e.BenignFlagged, e.Benign, pct(e.BenignFlagged, e.Benign),
			e.TimedOut, e.Errors)
	}
	tw.Flush()

	cats := map[string]bool{}
	for _, n := range names {
		for c := range r.Engines[n].Categories {
			cats[c] = true
		}
	}
	if len(cats) > 0 {
		fmt.Fprintln(w, "\nflagged per corpus category:")
		fmt.Fprint(tw, "category\ttotal\t")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t", n)
		}
		fmt.Fprintln(tw)
		for _, c := range slices.Sorted(maps.Keys(cats)) {
			total := 0
			for _, n := range names {
				if d := r.Engines[n].Categories[c]; d != nil {
					total = d.Total
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t", c, total)
			for _, n := range names {
				d := r.Engines[n].Categories[c]
				if d == nil {
					fmt.Fprint(tw, "-\t")
					continue
				}
				fmt.Fprintf(tw, "%s\t", pct(d.Flagged, d.Total))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}

	printVariants(w, r, names)

	if f := r.Floor; f != nil {
		fmt.Fprintf(w, "\nmachine floor: the same %.0f µs of computation for every request, timed the same way:\n"+
			"  p50 %.1f µs, p99 %.1f µs (best of passes: p50 %.1f µs, p99 %.1f µs)\n",
			float64(floorWork)/float64(time.Microsecond), f.P50us, f.P99us, f.BestP50us, f.BestP99us)
	}
	if len(r.BinarySizeMiB) > 0 || len(r.BinarySizeNotes) > 0 {
		fmt.Fprintf(w, "\nbinary size of a hello-world net/http server: %.2f MiB alone; growth with each engine:\n", r.BinaryBaseMiB)
		for _, k := range slices.Sorted(maps.Keys(r.BinarySizeMiB)) {
			fmt.Fprintf(tw, "%s\t+%.2f MiB\t\n", k, r.BinarySizeMiB[k])
		}
		tw.Flush()
		for _, k := range slices.Sorted(maps.Keys(r.BinarySizeNotes)) {
			fmt.Fprintf(w, "  %s: %s\n", k, r.BinarySizeNotes[k])
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "error:", e)
	}
	if r.Rounds > 1 {
		fmt.Fprintf(w, "\np50 and p99 of each round (the table gives their medians):\n")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%s\t\n", n, roundFigures(r.Engines[n]))
		}
		if f := r.Floor; f != nil {
			fmt.Fprintf(tw, "%s\t%s\t\n", floorName, roundFigures(f))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\n%d timed passes after one warm-up pass, one goroutine; detections from the warm-up pass", r.Passes)
	if r.Rounds > 1 {
		fmt.Fprintf(w, " of the first of %d rounds; the engines took turns, and each timing is the median of its rounds", r.Rounds)
	}
	fmt.Fprintln(w, ".")
}

// roundFigures lists an engine's p50 and p99 of each round.
func roundFigures(e *Result) string {
	s := ""
	for i := range e.RoundP50us {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.1f / %.1f", e.RoundP50us[i], e.RoundP99us[i])
	}
	return s
}

// variantRows is the order of the variant table's rows: each variant
// after the unchanged requests it is compared with.
var variantRows = []string{"plain", "base64", "base64url", "padded-8k", "padded-64k", "plain-json", "deep-container", "removed"}

// printVariants writes the detections on the variants of the corpus
// requests (flagged share of attacks and of benign requests, per engine)
// and the mean evaluation time of each.
func printVariants(w io.Writer, r *Report, names []string) {
	has := false
	for _, n := range names {
		has = has || len(r.Engines[n].Variants) > 2
	}
	if !has {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\nflagged per variant (attacks: the value holding the payload transformed; benign: the longest user value; plain = the same requests unchanged, plain-json = those whose value is a JSON field):")
	fmt.Fprint(tw, "variant\t\trequests\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	var notes []string
	sampled := false
	for _, row := range variantRows {
		for _, label := range []string{"attacks", "benign"} {
			total, any := 0, false
			for _, n := range names {
				if v := r.Engines[n].Variants[row]; v != nil && max(v.SampleEvery, 1) == 1 {
					total, any = v.Attacks, true
					if label == "benign" {
						total = v.Benign
					}
				}
			}
			if !any || total == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t", row, label, total)
			for _, n := range names {
				v := r.Engines[n].Variants[row]
				if v == nil {
					fmt.Fprint(tw, "-\t")
					continue
				}
				f, d := v.AttacksFlagged, v.Attacks
				if label == "benign" {
					f, d = v.BenignFlagged, v.Benign
				}
				mark := ""
				if v.SampleEvery > 1 {
					mark, sampled = fmt.Sprintf(" (1/%d)", v.SampleEvery), true
				}
				fmt.Fprintf(tw, "%s%s\t", pct(f, d), mark)
			}
			fmt.Fprintln(tw)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nmean µs per evaluation of each variant (attacks and benign):")
	fmt.Fprint(tw, "variant\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	for _, row := range variantRows[1:] {
		if row == "plain-json" {
			continue
		}
		line, any := row+"\t", false
		for _, n := range names {
			v := r.Engines[n].Variants[row]
			if v == nil {
				line += "-\t"
				continue
			}
			any = true
			line += fmt.Sprintf("%.1f\t", v.MeanUs)
			if v.TimedOut > 0 || v.Errors > 0 {
				notes = append(notes, fmt.Sprintf("%s on %s: %d timeouts, %d errors", n, row, v.TimedOut, v.Errors))
			}
		}
		if any {
			fmt.Fprintln(tw, line)
		}
	}
	tw.Flush()
	if sampled {
		fmt.Fprintln(w, "(1/N): one request in N of that variant evaluated, in corpus order.")
	}
	for _, n := range notes {
		fmt.Fprintln(w, "  "+n)
	}
}
