// Package ssrf detects server-side request forgery: a request input that,
// found in the URL an application is about to fetch, changes where the
// request goes.
//
// Check(rawURL, inputs) looks for each input (at least MinInput bytes)
// verbatim in the URL and reports it when that occurrence
//
//   - holds the whole scheme and its colon, and the scheme is dangerous (file, gopher, dict,
//     ftp, ldap, jar, netdoc, php, data, tftp, sftp...; see DangerousScheme);
//   - covers the whole host and the host is internal (see Internal), or
//     covers the port of an internal host;
//   - starts in the path and adds a ".." segment (also "..;", encoded %2e,
//     %252e, overlong UTF-8, %u002e, with / or \ separators) that climbs
//     above the directory the input was put in.
//
// An input that fills a path segment, a query value or a fragment, a
// tenant label inside a host, or that names a public host or URL with an
// http(s) scheme, is benign: the application chose the structure.
//
// Internal targets: loopback, unspecified, RFC 1918, link-local, carrier-
// grade NAT, unique local, site-local, multicast and reserved ranges, cloud
// metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200,
// metadata.google.internal, metadata), names internal by definition
// (localhost, *.localhost, .internal, .local, .localdomain, .home.arpa,
// .svc, single-label names), written in any inet_aton spelling (decimal,
// hex, octal, 1-3 parts), IPv4-mapped, -compatible, NAT64 or 6to4 IPv6,
// percent-encoded or fullwidth. Internal and InternalIP are exported for a
// dial-time check of resolved addresses.
//
// URLs are split leniently, by hand, keeping byte offsets: a missing scheme
// ("127.0.0.1:8080/x", "//host"), any number of slashes or backslashes after
// an http(s) scheme, userinfo up to the last '@'. The host is read both the
// WHATWG way (a backslash ends the authority) and the net/url way (it does
// not), and either reading being internal counts.
//
// Known limits:
//   - No name is resolved: a public name pointing at an internal address
//     (DNS rebinding, nip.io, localtest.me) passes; check the dialed address
//     with InternalIP.
//   - Inputs are matched verbatim (case-sensitive): an input the application
//     decoded, re-encoded or lowercased before building the URL is not seen.
//   - An input shorter than MinInput (a bare "0" host) is ignored.
//   - An input that happens to equal an internal host the application
//     itself uses ("localhost" sent in some field while the code calls
//     http://localhost:8080/) is reported: text cannot tell the two apart.
//   - A scheme counts only when the input holds it with its colon, so a
//     template "<input>://host/" fed "gopher" is missed (the host still
//     counts when internal).
//   - A host only partly from the input (a label) counts only when the input
//     covers it whole, so "<input>.1" style templates are missed.
//   - Parser differentials beyond the backslash (several '@', "#@") follow
//     the standard reading only.
package ssrf
