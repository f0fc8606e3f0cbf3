package operator

import "testing"

func detector(t *testing.T, name string) Detector {
	t.Helper()
	info, ok := LookupDetector(name)
	if !ok {
		t.Fatalf("%s not registered", name)
	}
	d, err := info.Factory(Params{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSQLiDetectorSystems checks that the sink's database system, however
// the driver spells it, picks the dialect: the same statement is an
// injection in PostgreSQL (no backslash escapes) and a quoted value in
// MySQL, and "-- " after a literal is a comment in PostgreSQL only when
// the dialect is right.
func TestSQLiDetectorSystems(t *testing.T) {
	d := detector(t, "sqli_detector")
	stmt := `SELECT * FROM t WHERE a = 'x\' OR 1=1 --'`
	in := `x\' OR 1=1 --`
	for _, sys := range []string{"pgsql", "postgres", "postgresql", "PostgreSQL", "pgx", "cockroachdb", "aws.redshift"} {
		if _, ok := d.Detect(&Sink{Resource: stmt, System: sys}, []string{in}); !ok {
			t.Errorf("%s: backslash is not an escape in PostgreSQL: injection missed", sys)
		}
	}
	for _, sys := range []string{"mysql", "mariadb", "MySQL"} {
		if f, ok := d.Detect(&Sink{Resource: stmt, System: sys}, []string{in}); ok {
			t.Errorf("%s: escaped quote reported: %s", sys, f.Reason)
		}
	}
	// '#' starts a comment in MySQL only.
	hash := `SELECT * FROM t WHERE id = 1# AND owner = 5`
	for sys, want := range map[string]bool{"mysql": true, "mariadb": true, "sqlite3": false, "sqlite": false,
		"postgresql": false, "sqlserver": false, "mssql": false, "oracle": false, "godror": false} {
		if _, ok := d.Detect(&Sink{Resource: hash, System: sys}, []string{"1#"}); ok != want {
			t.Errorf("%s: 1# reported %v, want %v", sys, ok, want)
		}
	}
}

// TestSQLiDetectorShortInputs: pairs of exploit/benign short inputs of
// the same shape, through the detector as the engine calls it (every
// string of the request, short ones included).
func TestSQLiDetectorShortInputs(t *testing.T) {
	d := detector(t, "sqli_detector")
	for _, r := range []struct {
		sys, stmt string
		inputs    []string
		exploit   bool
	}{
		{"sqlite", `SELECT * FROM u WHERE name = ''--' AND pass = 'x'`, []string{"1", "a", "'--"}, true},
		{"sqlite", `SELECT * FROM u WHERE name = '''--' AND pass = 'x'`, []string{"1", "a", "'--"}, false},
		{"mysql", `SELECT * FROM u WHERE id IN ('')#')`, []string{"en", "')#"}, true},
		{"mysql", `SELECT * FROM u WHERE id IN ('\')#')`, []string{"en", "')#"}, false},
		{"postgresql", `SELECT * FROM t WHERE id = 1; AND owner = 5`, []string{"1;"}, true},
		{"postgresql", `SELECT * FROM t WHERE id = 1 AND owner = 5;`, []string{"1", "5", ";", "="}, false},
		{"pgsql", `SELECT * FROM t WHERE a = $1 AND b IN (1,2,3) ORDER BY name DESC LIMIT 10 OFFSET 20`,
			[]string{"$1", "1,2,3", "name DESC", "10 OFFSET 20", "a", "*", ","}, false},
		{"pgsql", `SELECT * FROM t WHERE b IN (1,2,3) OR (1=1)`, []string{"1,2,3) OR (1=1"}, true},
		{"mysql", `SELECT 1 -- note: --`, []string{"--"}, false},
		{"mysql", `SELECT * FROM t WHERE a = 1 -- AND b = 2`, []string{"--"}, true},
	} {
		f, ok := d.Detect(&Sink{Resource: r.stmt, System: r.sys}, r.inputs)
		if ok != r.exploit {
			t.Errorf("%s %q %q: exploit=%v (%+v), want %v", r.sys, r.stmt, r.inputs, ok, f, r.exploit)
		}
	}
}

// TestLFIDetectorShortInputs: short inputs decided by the path's structure.
func TestLFIDetectorShortInputs(t *testing.T) {
	d := detector(t, "lfi_detector")
	for _, r := range []struct {
		path    string
		inputs  []string
		exploit bool
	}{
		{"/var/www/uploads/../x", []string{"..", "x"}, true},
		{"/var/www/uploads/../x", []string{".", "/", "x"}, false},
		{"../etc/passwd", []string{"../"}, true},
		{"/var/www/uploads/report.pdf", []string{"/", "r", "pdf", "/v"}, false},
		{"/", []string{"/"}, true},
		{"~/.ssh/id_rsa", []string{"~"}, true},
		{"/var/www/uploads/~/x", []string{"~"}, false},
	} {
		f, ok := d.Detect(&Sink{Resource: r.path}, r.inputs)
		if ok != r.exploit {
			t.Errorf("%q %q: exploit=%v (%+v), want %v", r.path, r.inputs, ok, f, r.exploit)
		}
	}
}
