// Package matcher holds the hub's active indicators in memory and tells, for
// a value seen in a county's log, which indicators it matches. A Set is
// immutable once built; a Holder lets the hub rebuild one in the background
// and swap it in while readers keep matching without locks.
//
// Values are compared in a canonical form, the same for indicators and for
// what is looked up:
//   - addresses: IPv4-mapped IPv6 addresses become IPv4, zones are dropped;
//     a range matches every address inside it, and nested ranges all match;
//   - domains: lower case, no trailing dot, internationalised names in their
//     punycode (xn--) form; an indicator matches the domain and every name
//     under it (example.com matches a.b.example.com, not badexample.com);
//   - URLs: scheme and host in lower case, default ports and the fragment
//     dropped, escapes of unreserved characters decoded and other escapes in
//     upper case, "." and ".." resolved, an empty path made "/"; a URL with
//     no scheme is taken as http. A URL also matches as its host;
//   - e-mail addresses: lower case, "Name <user@example.com>" accepted; an
//     address also matches as its domain;
//   - hashes: hexadecimal in any case, the type following from the length.
//
// An allow-list entry suppresses matches of its own kind: an address or range
// suppresses address and range indicators for the addresses it covers; a
// domain suppresses domain indicators on itself and the names under it
// (including the host of a URL and the domain of an e-mail address); a URL,
// e-mail address or hash suppresses exactly that value.
//
// Lookups allocate nothing when the caller's slice has room for the hits
// (the Append methods); the Match methods allocate only when something
// matches.
package matcher
