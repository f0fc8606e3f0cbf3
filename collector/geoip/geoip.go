// Package geoip names the country and the network (ASN and organisation)
// of an address from MaxMind DB files on the collector's disk: MaxMind's
// GeoLite2 or GeoIP2 City, Country, ASN, ISP and Enterprise databases,
// or any file with their layout (country.iso_code and country.names.en,
// autonomous_system_number and autonomous_system_organization, at the top
// of a record or among its traits). The web
// UI shows them beside an attacker's address (RAMPART_GEOIP_DB of
// `rampart serve`). Nothing is fetched: the files are read, memory-mapped,
// where the operator put them, and a lookup is a walk of the file's
// search tree (about a microsecond).
package geoip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Info is what the databases know of an address; a zero field is one they
// do not have.
type Info struct {
	// Country is the ISO 3166-1 code of the country (DE), CountryName
	// its English name (Germany): where the address is, or, when the
	// database does not place it, where its network is registered.
	Country, CountryName string
	// ASN is the number of the autonomous system that announces the
	// address, ASOrg the organisation that holds it.
	ASN   uint32
	ASOrg string
}

// Empty says the databases know nothing of the address.
func (i Info) Empty() bool { return i == Info{} }

// DB is a set of MaxMind DB files, looked up in their order. It is safe
// for concurrent use. A nil *DB knows nothing.
type DB struct {
	files []file
}

type file struct {
	path string
	r    *maxminddb.Reader
}

// Open opens the MaxMind DB files at paths. A file that cannot be read or
// is not a MaxMind DB is an error naming it.
func Open(paths ...string) (*DB, error) {
	if len(paths) == 0 {
		return nil, errors.New("geoip: no database")
	}
	db := &DB{}
	for _, p := range paths {
		r, err := maxminddb.Open(p)
		if err != nil {
			db.Close()
			if !strings.Contains(err.Error(), p) { // os errors name it
				err = fmt.Errorf("%s: %w", p, err)
			}
			return nil, fmt.Errorf("geoip: %w", err)
		}
		db.files = append(db.files, file{path: p, r: r})
	}
	return db, nil
}

// Close releases the files.
func (db *DB) Close() error {
	if db == nil {
		return nil
	}
	var errs []error
	for _, f := range db.files {
		errs = append(errs, f.r.Close())
	}
	db.files = nil
	return errors.Join(errs...)
}

// Describe names each file with its database type and build date, for the
// startup line: "GeoLite2-City.mmdb (GeoLite2-City, built 2026-11-28)".
func (db *DB) Describe() string {
	if db == nil {
		return ""
	}
	var parts []string
	for _, f := range db.files {
		m := f.r.Metadata
		parts = append(parts, fmt.Sprintf("%s (%s, built %s)", f.path, m.DatabaseType, m.BuildTime().UTC().Format(time.DateOnly)))
	}
	return strings.Join(parts, ", ")
}

// country is a record's country: its code and English name.
type country struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   struct {
		En string `maxminddb:"en"`
	} `maxminddb:"names"`
}

// record is the part of a GeoLite2 (City, Country or ASN) record that is
// read; the rest is skipped by the decoder.
type record struct {
	Country           country `maxminddb:"country"`
	RegisteredCountry country `maxminddb:"registered_country"`
	network
	// GeoIP2-Enterprise keeps the network among the traits
	Traits network `maxminddb:"traits"`
}

// network is a record's autonomous system.
type network struct {
	ASN   uint32 `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
}

// Lookup returns what the files know of a, the first file that has a
// country giving it and the first that has a network giving it. A record
// that cannot be decoded counts as none.
func (db *DB) Lookup(a netip.Addr) Info {
	return db.lookup(a.Unmap().WithZone(""), -1)
}

// LookupPrefix is Lookup for a network: what the files know of every
// address of p (nothing when p holds networks of different records).
func (db *DB) LookupPrefix(p netip.Prefix) Info {
	p = p.Masked()
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return db.lookup(p.Addr(), p.Bits())
}

// lookup looks a up; with bits >= 0, only in records whose network holds
// a/bits.
func (db *DB) lookup(a netip.Addr, bits int) Info {
	var out Info
	if db == nil || !a.IsValid() {
		return out
	}
	for _, f := range db.files {
		res := f.r.Lookup(a)
		if !res.Found() || bits >= 0 && res.Prefix().Bits() > bits {
			continue
		}
		var rec record
		if res.Decode(&rec) != nil {
			continue
		}
		c := rec.Country
		if c.ISOCode == "" {
			c = rec.RegisteredCountry
		}
		if out.Country == "" && c.ISOCode != "" {
			out.Country, out.CountryName = c.ISOCode, c.Names.En
		}
		n := rec.network
		if n.ASN == 0 {
			n = rec.Traits
		}
		if out.ASN == 0 && n.ASN != 0 {
			out.ASN, out.ASOrg = n.ASN, n.ASOrg
		}
		if out.Country != "" && out.ASN != 0 {
			break
		}
	}
	return out
}
