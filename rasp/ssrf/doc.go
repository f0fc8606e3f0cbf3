// Package ssrf detects server-side request forgery: a request input that,
// found in the URL an application is about to fetch, changes where the
// request goes.
//
// Check(rawURL, inputs) finds every occurrence of every input verbatim in
// the URL, whatever its length (the engine hands over every string of the
// request that occurs in the URL), and judges each occurrence by where it
// lies in the URL's structure and what the application wrote around it.
// It reports the first input whose occurrence
//
//   - holds the whole scheme and its colon, and the scheme is not allowed
//     (the allow list is http and https; see Policy.AllowedSchemes: file,
//     gopher, dict, ldap, jar, netdoc, php, data... and by default ftp and
//     ftps, which rampart's HTTP sinks do not speak);
//   - covers the whole host (an IPv6 host without its brackets) and the
//     host is internal or forbidden (see Internal), or covers the port of
//     such a host;
//   - starts at a label inside a host the application began and supplies
//     its end: the registrable domain (".evil.example/path" after
//     "http://api", "evil.example" after "http://x."), also when it goes
//     on into the port or the path (".com/path");
//   - starts at a label, holds a character that ends the authority (/ \ ?
//     #; the backslash in the WHATWG reading) and is followed by text of
//     the application that therefore left the host
//     ("127.0.0.1#" + ".cdn.example.com", "a#" + ".cdn.example.com");
//   - holds the '@' that ends the userinfo after host text of the
//     application, with a host of its own after it ("@evil.example" after
//     "https://api.example.com"; four bytes or more);
//   - holds the port separator and turns the application's host text into a
//     port that is not a number, or sets the port of the application's host
//     (":8443" after "https://api.example.com");
//   - starts in the path and adds a ".." segment (also "..;", encoded %2e,
//     %252e, overlong UTF-8, %u002e, with / or \ separators) that climbs
//     above the directory the input was put in.
//
// An input that fills a path segment, a query value or a fragment, a label
// the application placed before its own domain ("tenant42" in
// "https://tenant42.cdn.example.com"), or that names a public host or a
// whole URL with an allowed scheme and a public host, is benign: the
// application chose the structure. An occurrence that starts in the middle
// of a label ("m/" at "com/"), or that is glued to the word the application
// wrote after it ("patreon.com/" + "batch"), is a coincidence of the text,
// not a slot: it is not judged as one. This is how 1-3 byte inputs are
// decided without a minimum length: "0", "::1" as the whole host, "a#" or
// "b\" before the application's domain, "22" as the port of an internal
// host are exploits; "1", "/", "com", ":84", "@" in an application's own
// URL are not.
//
// Internal targets: loopback, unspecified, RFC 1918, link-local, carrier-
// grade NAT, unique local, site-local, multicast, reserved and broadcast
// ranges, cloud metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200,
// 168.63.129.16), written in any inet_aton spelling (decimal, hex, octal,
// 1-3 parts), IPv4-mapped, -compatible, NAT64 or 6to4 IPv6,
// percent-encoded, fullwidth or circled. Names whose address is known
// without resolving them are judged by that address: localhost and
// *.localhost; the cloud metadata names metadata.google.internal,
// metadata.goog, metadata (GCE), instance-data and
// instance-data.ec2.internal (EC2), metadata.tencentyun.com; loopback
// wildcard domains (localtest.me, lvh.me, vcap.me, fuf.me, localho.st, with
// any subdomain); names that spell an address under nip.io, sslip.io,
// xip.io or traefik.me (127.0.0.1.nip.io, app.10.0.0.1.nip.io,
// 10-0-0-1.sslip.io, app-7f000001.nip.io, --1.sslip.io). Names internal by
// definition: the .internal, .local, .localdomain, .home.arpa, .svc, .lan,
// .corp and .home suffixes and single-label names (they resolve through
// local search domains). Forbidden too: out-of-band testing domains
// (burpcollaborator.net, oastify.com, interact.sh, oast.*) and
// ifconfig.pro. Internal and InternalIP are exported; CheckResolved is the
// dial-time check of the address a name resolved to.
//
// A Detector (New) takes the options and policy of the ruleset format's
// ssrf_detector (version 3): authority inspection (on), path inspection
// (traversal only by default; PathStrict also reports any ".." segment and
// encoded separator; PathOff nothing), query inspection (off: '?', '&' and
// '#' the input adds), forbid-full-url-injection (off), and a Policy whose
// lists replace the built-in ones: allowed schemes, forbidden domains (a
// name and its subdomains, or only the subdomains for ".name"), forbidden
// address ranges (names whose address is known are judged against them).
// The format's enforce-policy-without-injection has no equivalent: the
// sink check runs only when an input occurs in the URL (the operator
// refuses it at load).
//
// URLs are split leniently, by hand, keeping byte offsets: a missing scheme
// ("127.0.0.1:8080/x", "//host"), any number of slashes or backslashes after
// an http(s) scheme, userinfo up to the last '@'. The host is read both the
// WHATWG way (a backslash ends the authority) and the net/url way (it does
// not), and either reading finding an exploit counts.
//
// Cost: the URL is parsed once per check, when an input first occurs, with
// no allocation. An input shorter than four bytes without a dot or '%' is
// looked for only up to the end of the authority. The path walk for a
// traversal starts at the last separator before each occurrence (read once
// for all the occurrences of an input). The work is bounded by the URL's
// length times the number of inputs for the search, plus, per occurrence,
// a constant for the scheme and authority rules and the length of the
// input's directory and segments for the path walk; the worst an attacker
// can force is one input occurring in the URL at every few bytes inside one
// path segment (BenchmarkCheckRepeated: 700 occurrences in a 4 KB path).
//
// Known limits:
//   - No name is resolved: a public name pointing at an internal address
//     (DNS rebinding, a record the attacker controls) passes at URL time;
//     CheckResolved catches it at dial time when the input chose the whole
//     host.
//   - Inputs are matched verbatim (case-sensitive): an input the application
//     decoded, re-encoded or lowercased before building the URL is not seen.
//   - An input that happens to equal an internal host or port the
//     application itself uses ("localhost" or "8080" sent in some field
//     while the code calls http://localhost:8080/) is reported: text cannot
//     tell the two apart. The same holds for an input equal to the end of
//     the application's own host ("example.com" while it calls
//     https://api.example.com/), and an application that prefixes a label
//     to a user's domain on purpose (https://autodiscover.<domain>/) is
//     reported: that is the takeover shape.
//   - A scheme counts only when the input holds it with its colon, so a
//     template "<input>://host/" fed "gopher" is missed (the host still
//     counts when internal).
//   - Only the whole host decides that it is internal: an input that
//     supplies part of an internal address ("127" in "<input>.0.0.1") or a
//     single word that completes an internal name after the application's
//     label ("internal" after "http://billing.") is not reported; the
//     application's own internal domain with an input label in it
//     ("<input>.svc.cluster.local") is benign by design.
//   - An '@' from an input shorter than four bytes is not reported (it
//     cannot name a host of its own); a lone ':' before the application's
//     numeric port is taken for the application's.
//   - A forbidden-domains list in a ruleset replaces the built-in names but
//     not the facts about names whose address is known (localhost stays
//     loopback), and an input that supplies the registrable domain after
//     the application's label is reported whatever the lists say.
//   - Parser differentials beyond the backslash (several '@', "#@") follow
//     the two readings only.
package ssrf
