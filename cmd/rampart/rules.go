package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/rampartsec/rampart/internal/spell"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func rulesCmd(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "lint" {
		return errors.New("usage: rampart rules lint [FILE]")
	}
	src, name := rules.Default(), "default"
	if len(args) > 1 {
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		src, name = b, args[1]
	}
	rs, warnings, err := waf.ParseRuleset(src)
	for _, w := range warnings {
		fmt.Fprintln(out, "warning:", w)
	}
	if err != nil {
		return err
	}
	eng, err := waf.New(rs, waf.Options{})
	if err != nil {
		return err
	}
	for _, w := range eng.Warnings() {
		fmt.Fprintln(out, "warning:", w)
	}
	lintAddresses(src, out)
	fmt.Fprintf(out, "%s: ok, %d rules (%d custom), %d rules_data lists, rules_version %q\n", name, len(rs.Rules)+len(rs.CustomRules), len(rs.CustomRules), len(rs.Data), rs.RulesVersion)
	return nil
}

// sentAddresses are the addresses that rampart's guards and the engine set:
// the request and response addresses of the middleware and Lambda wrappers,
// the user addresses of the SDK, and the sink addresses of exploit
// prevention.
var sentAddresses = []string{
	waf.AddrMethod, waf.AddrURIRaw, waf.AddrQuery, waf.AddrHeaders, waf.AddrCookies,
	waf.AddrBody, waf.AddrBodyFilenames, waf.AddrPathParams, waf.AddrClientIP,
	waf.AddrUserID, waf.AddrUserLogin, waf.AddrSessionID, waf.AddrStatus, waf.AddrResponseHdrs,
	waf.AddrDBStatement, waf.AddrDBSystem, waf.AddrNetURL, waf.AddrNetResolvedIP,
	waf.AddrFSFile, waf.AddrShellCmd, waf.AddrExecCmd,
	waf.AddrGRPCMethod, waf.AddrGRPCMetadata, waf.AddrGRPCMessage,
	waf.AddrGraphQLAllResolvers, waf.AddrGraphQLResolver,
}

// libddwafAddresses are addresses that libddwaf's rulesets and Datadog's
// tracers use, which rampart does not send (yet): gRPC responses, the
// business-logic events, downstream requests, response bodies, file writes
// and the values that processors compute (taken from Datadog's recommended
// ruleset and the address list of dd-trace-go's
// internal/appsec/emitter/waf/addresses).
var libddwafAddresses = []string{
	"grpc.server.response.message", "grpc.server.response.metadata.headers",
	"grpc.server.response.metadata.trailers", "grpc.server.response.status",
	"server.business_logic.users.login.success", "server.business_logic.users.login.failure",
	"server.business_logic.users.signup", "server.business_logic.llm.event",
	"server.business_logic.payment.cancellation", "server.business_logic.payment.creation",
	"server.business_logic.payment.failure", "server.business_logic.payment.success",
	"server.io.fs.file_write",
	"server.io.net.request.method", "server.io.net.request.headers", "server.io.net.request.body",
	"server.io.net.response.status", "server.io.net.response.headers", "server.io.net.response.body",
	"server.request.jwt", "server.response.body", "waf.context.processor",
}

// addrUse is one place of the ruleset that reads an address.
type addrUse struct {
	owner, path, addr string
}

// lintAddresses warns about the addresses that the rules and exclusions
// read and that nobody sends: a name that rampart does not set and that
// libddwaf does not know is most likely a typo ("server.request.querry"),
// and gets a warning with the closest known address when one is close;
// an address that libddwaf knows but rampart does not send yet (gRPC
// responses, business-logic events), or that only a processor computes (rampart runs none), gets
// one note per address, since those conditions never see a value either.
// It returns the number of warnings.
func lintAddresses(src []byte, out io.Writer) int {
	var doc struct {
		Rules       []json.RawMessage `json:"rules"`
		CustomRules []json.RawMessage `json:"custom_rules"`
		Exclusions  []json.RawMessage `json:"exclusions"`
		Processors  []struct {
			ID         string `json:"id"`
			Parameters struct {
				Mappings []struct {
					Output string `json:"output"`
				} `json:"mappings"`
			} `json:"parameters"`
		} `json:"processors"`
	}
	if json.Unmarshal(src, &doc) != nil {
		return 0 // ParseRuleset has said what is wrong
	}
	produced := map[string]string{}
	for _, p := range doc.Processors {
		for _, m := range p.Parameters.Mappings {
			if m.Output != "" {
				produced[m.Output] = p.ID
			}
		}
	}
	var uses []addrUse
	for _, sec := range []struct {
		kind string
		list []json.RawMessage
	}{{"rule", doc.Rules}, {"rule", doc.CustomRules}, {"exclusion", doc.Exclusions}} {
		for _, raw := range sec.list {
			var item map[string]json.RawMessage
			if json.Unmarshal(raw, &item) != nil {
				continue
			}
			var id string
			json.Unmarshal(item["id"], &id)
			owner := sec.kind + " " + id
			uses = collectInputs(uses, owner, "inputs", item["inputs"])
			var conds []struct {
				Parameters map[string]json.RawMessage `json:"parameters"`
			}
			json.Unmarshal(item["conditions"], &conds)
			for i, c := range conds {
				keys := make([]string, 0, len(c.Parameters))
				for k := range c.Parameters {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					uses = collectInputs(uses, owner, fmt.Sprintf("conditions[%d].parameters.%s", i, k), c.Parameters[k])
				}
			}
		}
	}

	sent := map[string]bool{}
	for _, a := range sentAddresses {
		sent[a] = true
	}
	known := map[string]bool{}
	for _, a := range libddwafAddresses {
		known[a] = true
	}
	candidates := append(append([]string(nil), sentAddresses...), libddwafAddresses...)
	for a := range produced {
		candidates = append(candidates, a)
	}
	sort.Strings(candidates)

	warnings := 0
	unsent := map[string][]string{} // address -> owners
	for _, u := range uses {
		switch {
		case sent[u.addr]:
		case known[u.addr] || produced[u.addr] != "":
			unsent[u.addr] = append(unsent[u.addr], u.owner)
		default:
			warnings++
			if s := closestAddress(u.addr, candidates); s != "" {
				fmt.Fprintf(out, "warning: %s: %s: %q is an address nobody sends: did you mean %s?\n", u.owner, u.path, u.addr, s)
			} else {
				fmt.Fprintf(out, "warning: %s: %s: %q is an address neither rampart nor libddwaf sets: this input sees nothing unless the application runs it (Request.Run)\n", u.owner, u.path, u.addr)
			}
		}
	}
	addrs := make([]string, 0, len(unsent))
	for a := range unsent {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		owners := dedup(unsent[a])
		what := "a libddwaf address that rampart does not send (yet)"
		if p := produced[a]; p != "" {
			what = fmt.Sprintf("computed by processor %s, which rampart does not run", p)
		}
		list := strings.Join(owners[:min(3, len(owners))], ", ")
		if len(owners) > 3 {
			list += fmt.Sprintf(" and %d more", len(owners)-3)
		}
		fmt.Fprintf(out, "note: %s is %s: the inputs that read it never see a value (%s)\n", a, what, list)
	}
	return warnings
}

// collectInputs appends the addresses of raw when it is a list of inputs
// ([{"address": ...}]), as operator inputs and detector parameters
// (resource, params, db_type, ...) are.
func collectInputs(uses []addrUse, owner, path string, raw json.RawMessage) []addrUse {
	if len(raw) == 0 || raw[0] != '[' {
		return uses
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return uses
	}
	for i, in := range list {
		var addr string
		if json.Unmarshal(in["address"], &addr) == nil && addr != "" {
			uses = append(uses, addrUse{owner: owner, path: fmt.Sprintf("%s[%d].address", path, i), addr: addr})
		}
	}
	return uses
}

// closestAddress returns the candidate nearest to addr when it is a likely
// misspelling of it: at most one edit per six bytes (three at most), an
// edit being an insertion, a deletion, a substitution or the swap of two
// neighbours. Ties go to the first candidate in order.
func closestAddress(addr string, candidates []string) string {
	limit := max(1, min(3, len(addr)/6))
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := spell.Distance(addr, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// dedup returns ss without repeated strings, in first-seen order.
func dedup(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
