package matcher

import (
	"errors"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// The normalisers below append to a caller's buffer so that lookups can use
// a stack array and the same rules serve both the build and every lookup.

var (
	errDomain = errors.New("not a valid domain name")
	errURL    = errors.New("not a valid URL")
	errEmail  = errors.New("not a valid e-mail address")
)

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// appendDomain appends the canonical form of a host name: lower-case, no
// trailing dot. It refuses anything but letters, digits, '-', '_' and dots
// in labels of 1 to 63 characters, at most 253 characters in all.
func appendDomain(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 {
		return dst, false
	}
	start := len(dst)
	label := 0
	for i := 0; i < len(s); i++ {
		c := lowerASCII(s[i])
		switch {
		case c == '.':
			if label == 0 {
				return dst[:start], false
			}
			label = 0
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			label++
			if label > 63 {
				return dst[:start], false
			}
		default:
			return dst[:start], false
		}
		dst = append(dst, c)
	}
	if label == 0 {
		return dst[:start], false
	}
	return dst, true
}

// normalDomain is the build-time form: it also converts internationalised
// names to their punycode (xn--) form, and wants at least two labels.
func normalDomain(s string) (string, error) {
	b, err := appendNormalDomain(nil, s)
	return string(b), err
}

func appendNormalDomain(dst []byte, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(s)
			if err != nil {
				return dst, errDomain
			}
			s = a
			break
		}
	}
	start := len(dst)
	b, ok := appendDomain(dst, s)
	if !ok {
		return dst, errDomain
	}
	if !containsDot(b[start:]) {
		return dst, errors.New("a domain needs at least two labels, such as example.com")
	}
	return b, nil
}

// nextParent strips the first label: a.b.example.com → b.example.com.
func nextParent(name []byte) ([]byte, bool) {
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			return name[i+1:], true
		}
	}
	return nil, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendPercent appends s with its percent-encoding normalised: escapes of
// unreserved characters are decoded, other escapes get upper-case hex, and
// bytes that may not appear raw in a URL (space, controls, non-ASCII) are escaped.
func appendPercent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(v) {
				dst = append(dst, v)
			} else {
				dst = append(dst, '%', upperHex[v>>4], upperHex[v&15])
			}
			i += 2
		case c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}':
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func defaultPort(scheme []byte, port string) bool {
	switch string(scheme) {
	case "http", "ws":
		return port == "80"
	case "https", "wss":
		return port == "443"
	case "ftp":
		return port == "21"
	}
	return false
}

// appendURL appends the canonical form of an absolute URL and reports the
// offsets of its host within dst. Scheme and host are lower-cased, default
// ports and the fragment dropped, percent-encoding normalised and dot
// segments of the path resolved (RFC 3986 section 6.2.2). A URL without a
// scheme is taken as http.
func appendURL(dst []byte, s string) (out []byte, hostStart, hostEnd int, addr netip.Addr, ok bool) {
	start := len(dst)
	fail := func() ([]byte, int, int, netip.Addr, bool) { return dst[:start], 0, 0, netip.Addr{}, false }
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	rest := s
	if i := strings.Index(s, "://"); i > 0 {
		for j := 0; j < i; j++ {
			c := s[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
				return fail()
			}
			dst = append(dst, lowerASCII(c))
		}
		rest = s[i+3:]
	} else {
		dst = append(dst, "http"...)
	}
	scheme := dst[start:]
	dst = append(dst, "://"...)
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c == '/' || c == '?' {
			end = i
			break
		}
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		dst = appendPercent(dst, authority[:at+1])
		authority = authority[at+1:]
	}
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") {
		j := strings.IndexByte(authority, ']')
		if j < 0 {
			return fail()
		}
		host = authority[1:j]
		if r := authority[j+1:]; r != "" {
			if r[0] != ':' {
				return fail()
			}
			port = r[1:]
		}
		a, ok := parseLogAddr(host)
		if !ok || !a.Is6() {
			return fail()
		}
		addr = a
		dst = append(dst, '[')
		hostStart = len(dst)
		dst = a.AppendTo(dst)
		hostEnd = len(dst)
		dst = append(dst, ']')
	} else {
		if j := strings.LastIndexByte(authority, ':'); j >= 0 {
			host, port = authority[:j], authority[j+1:]
		}
		if a, ok := parseLogAddr(host); ok && a.Is4() {
			addr = a
		}
		hostStart = len(dst)
		var good bool
		dst, good = appendDomain(dst, host)
		if !good {
			return fail()
		}
		hostEnd = len(dst)
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return fail()
		}
	}
	port = strings.TrimLeft(port, "0")
	if port != "" && !defaultPort(scheme, port) {
		dst = append(dst, ':')
		dst = append(dst, port...)
	}
	path, query := tail, ""
	hasQuery := false
	if q := strings.IndexByte(tail, '?'); q >= 0 {
		path, query, hasQuery = tail[:q], tail[q+1:], true
	}
	dst = appendPath(dst, path)
	if hasQuery {
		dst = append(dst, '?')
		dst = appendPercent(dst, query)
	}
	return dst, hostStart, hostEnd, addr, true
}

// appendPath appends a path with normalised escapes and resolved "." and
// ".." segments. The result always starts with '/'.
func appendPath(dst []byte, p string) []byte {
	root := len(dst)
	if p == "" {
		return append(dst, '/')
	}
	if p[0] != '/' {
		p = "/" + p
	}
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j] != '/' {
			j++
		}
		last := j == len(p)
		mark := len(dst)
		dst = append(dst, '/')
		dst = appendPercent(dst, p[i+1:j])
		seg := string(dst[mark+1:])
		switch seg {
		case ".":
			dst = dst[:mark]
			if last {
				dst = append(dst, '/')
			}
		case "..":
			dst = dst[:mark]
			k := len(dst) - 1
			for k >= root && dst[k] != '/' {
				k--
			}
			if k < root {
				k = root
			}
			dst = dst[:k]
			if last {
				dst = append(dst, '/')
			}
		}
		i = j
	}
	if len(dst) == root {
		dst = append(dst, '/')
	}
	return dst
}

// appendEmail appends the canonical form of an e-mail address, accepting
// the "Name <user@example.com>" and "<user@example.com>" forms found in logs.
// It reports where the domain part starts.
func appendEmail(dst []byte, s string) ([]byte, int, bool) {
	start := len(dst)
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return dst, 0, false
		}
		s = s[i+1 : i+j]
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 {
		return dst, 0, false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == '"' || c == '(' || c == ')' {
			return dst[:start], 0, false
		}
		dst = append(dst, lowerASCII(c))
	}
	dst = append(dst, '@')
	domainAt := len(dst)
	var ok bool
	dst, ok = appendDomain(dst, s[at+1:])
	if !ok || !containsDot(dst[domainAt:]) {
		return dst[:start], 0, false
	}
	return dst, domainAt, true
}

func containsDot(b []byte) bool {
	for _, c := range b {
		if c == '.' {
			return true
		}
	}
	return false
}

// hashKind tells the hash type from a hex string's length.
func hashKind(s string) Type {
	switch len(s) {
	case 32:
		return MD5
	case 40:
		return SHA1
	case 64:
		return SHA256
	}
	return ""
}

func allHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// decodeHex fills dst from 2*len(dst) hex digits without allocating.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		a, b := s[2*i], s[2*i+1]
		if !isHex(a) || !isHex(b) {
			return false
		}
		dst[i] = unhex(a)<<4 | unhex(b)
	}
	return true
}
