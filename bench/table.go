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
	fmt.Fprintf(tw, "engine\tinit ms\tRSS MiB\tp50 µs\tp99 µs\tbest p50\tbest p99\tmean µs\tCPU µs\tprepare µs\tallocs/req\tattacks flagged\tbenign flagged\ttimeouts\terrors\t\n")
	var names []string
	for _, n := range order {
		if r.Engines[n] != nil {
			names = append(names, n)
		}
	}
	for _, n := range names {
		e := r.Engines[n]
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%d/%d %s\t%d/%d %s\t%d\t%d\t\n",
			n, e.InitMs, e.RSSMiB, e.P50us, e.P99us, e.BestP50us, e.BestP99us, e.MeanUs, e.CPUUs, e.PrepareUs, e.Allocs,
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
	fmt.Fprintf(w, "\n%d timed passes after one warm-up pass, one goroutine; detections from the warm-up pass.\n", r.Passes)
}
