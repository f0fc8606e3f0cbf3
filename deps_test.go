package rampart_test

import (
	"os/exec"
	"strings"
	"testing"
)

// libraryPackages are the packages that application code imports; they
// must stay lean.
var libraryPackages = []string{
	".", "./event", "./httpguard", "./waf", "./waf/operator", "./waf/transform",
	"./waf/literal", "./waf/regex", "./waf/httpinput", "./waf/rules", "./waf/xss",
	"./rasp/sqli", "./rasp/shell", "./rasp/cmdi", "./rasp/ssrf", "./rasp/lfi",
	"./report",
	"./sqlguard", "./execguard", "./fsguard",
	"./lambdaguard", "./expvarstats",
}

// bannedDeps are module or package prefixes that must never reach a
// function's binary through the library packages.
var bannedDeps = []string{
	"testing",
	"github.com/jackc/pgx",
	"modernc.org/sqlite",
	"github.com/mattn/go-sqlite3",
	"github.com/redis/go-redis",
	"github.com/oschwald/maxminddb-golang", // the collector's IP databases
	"github.com/corazawaf/",
	"github.com/DataDog/",
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
	"github.com/99designs/gqlgen",
	"github.com/vektah/gqlparser",
	"github.com/graph-gophers/graphql-go",
	"github.com/rampartsec/rampart/collector",
	"github.com/rampartsec/rampart/internal/corpus",
	"github.com/rampartsec/rampart/cmd",
}

func TestLibraryDependencies(t *testing.T) {
	for _, pkg := range libraryPackages {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range bannedDeps {
				if dep == banned || strings.HasPrefix(dep, banned+"/") || strings.HasSuffix(banned, "/") && strings.HasPrefix(dep, banned) {
					t.Errorf("%s depends on %s (banned in library packages)", pkg, dep)
				}
			}
		}
	}
}

// TestLambdaDependencyStaysInLambdaguard checks that aws-lambda-go reaches
// a binary only through lambdaguard: a net/http service that imports the
// other library packages does not carry it.
func TestLambdaDependencyStaysInLambdaguard(t *testing.T) {
	for _, pkg := range libraryPackages {
		if pkg == "./lambdaguard" {
			continue
		}
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/aws/aws-lambda-go") || dep == "github.com/rampartsec/rampart/lambdaguard" {
				t.Errorf("%s depends on %s (only lambdaguard may)", pkg, dep)
			}
		}
	}
}

// TestGuardsStandAlone checks that the guards share the core package, not
// each other: the Lambda guard renders its block response from the value
// rampart.BlockResponse returns, not through the net/http guard.
func TestGuardsStandAlone(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./lambdaguard").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./lambdaguard: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/rampartsec/rampart/httpguard" {
			t.Error("lambdaguard depends on httpguard")
		}
	}
}

// TestExpvarOnlyInExpvarstats checks that expvar, whose import serves
// /debug/vars (the command line included) on http.DefaultServeMux, reaches
// a binary only through expvarstats, which a service imports to publish
// its counters.
func TestExpvarOnlyInExpvarstats(t *testing.T) {
	for _, pkg := range libraryPackages {
		if pkg == "./expvarstats" {
			continue
		}
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "expvar" {
				t.Errorf("%s depends on expvar (only expvarstats may)", pkg)
			}
		}
	}
}
