package matcher

import (
	"fmt"
	"iter"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unsafe"

	"github.com/gaissmai/bart"
)

// Type is the kind of an indicator's value.
type Type string

// The indicator types the matcher knows.
const (
	IPv4   Type = "ipv4"
	IPv6   Type = "ipv6"
	CIDR   Type = "cidr"
	Domain Type = "domain"
	URL    Type = "url"
	Email  Type = "email"
	MD5    Type = "md5"
	SHA1   Type = "sha1"
	SHA256 Type = "sha256"
)

// Indicator is one value to look for. Allow-list entries use the same shape.
type Indicator struct {
	ID    int64
	Type  Type
	Value string
}

// Hit is one indicator matched by a looked-up value. Type is the type of the
// indicator's table: an ipv4 or ipv6 indicator given as a range reports CIDR.
type Hit struct {
	ID   int64
	Type Type
}

// Invalid is an indicator or allow-list entry the build left out, and why.
type Invalid struct {
	Indicator
	Allow  bool
	Reason string
}

// Error reads as a sentence for the person who entered the value.
func (v Invalid) Error() string {
	what := "indicator"
	if v.Allow {
		what = "allow-list entry"
	}
	return fmt.Sprintf("%s %d (%s %q): %s", what, v.ID, v.Type, v.Value, v.Reason)
}

// span locates the IDs of the indicators sharing one value in Set.ids.
type span struct{ off, n uint32 }

// Set is an immutable index of indicators and allow-list entries. All its
// methods are safe for concurrent use.
type Set struct {
	ids []int64

	ip4    map[uint32]span
	ip6    map[[16]byte]span
	cidrs  bart.Table[span] // each prefix's span also covers its supernets
	domain map[string]span
	url    map[string]span
	email  map[string]span
	md5    map[[16]byte]span
	sha1   map[[20]byte]span
	sha256 map[[32]byte]span

	allowIP     bart.Lite
	allowDomain map[string]struct{}
	allowValue  map[string]struct{} // normalised URLs, e-mail addresses and hashes

	count  int
	byType map[Type]int
}

// Len is the number of indicators in the set.
func (s *Set) Len() int { return s.count }

// Counts is the number of indicators per type.
func (s *Set) Counts() map[Type]int { return maps.Clone(s.byType) }

// postings collects, per key, a chain of indicator IDs during the build:
// span.off is the last posting's index and span.n the chain's length. finish
// then lays each chain out in Set.ids and rewrites the span in place, so the
// build needs one map per table.
type postings[K comparable] struct {
	m map[K]span
}

type posting struct {
	id   int64
	next uint32
}

const noPosting = ^uint32(0)

func (p *postings[K]) add(all *[]posting, k K, id int64) {
	if p.m == nil {
		p.m = make(map[K]span)
	}
	sp, ok := p.m[k]
	if !ok {
		sp = span{off: noPosting}
	}
	*all = append(*all, posting{id: id, next: sp.off})
	p.m[k] = span{off: uint32(len(*all) - 1), n: sp.n + 1}
}

// addString is add for a key still in a scratch buffer: the key is copied
// into the arena only the first time it is seen.
func addString(p *postings[string], all *[]posting, keys *arena, k []byte, id int64) {
	if p.m == nil {
		p.m = make(map[string]span)
	}
	sp, ok := p.m[string(k)]
	key := ""
	if ok {
		key = string(k) // found: the map keeps its own key, this one is not stored
	} else {
		sp = span{off: noPosting}
		key = keys.intern(k)
	}
	*all = append(*all, posting{id: id, next: sp.off})
	p.m[key] = span{off: uint32(len(*all) - 1), n: sp.n + 1}
}

// arena keeps the set's string keys in large shared blocks rather than one
// small object each, which makes the build faster and the collector's work
// on a large set smaller. Bytes are only ever appended, never changed, so the
// strings made over them stay valid and immutable.
type arena struct{ block []byte }

const arenaBlock = 256 << 10

func (a *arena) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, max(arenaBlock, len(b)))
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}

// finish lays the postings out in ids and returns the key → span map.
func finish[K comparable](p *postings[K], all []posting, ids *[]int64) map[K]span {
	if p.m == nil {
		return map[K]span{}
	}
	for k, sp := range p.m {
		off := len(*ids)
		for i := sp.off; i != noPosting; i = all[i].next {
			*ids = append(*ids, all[i].id)
		}
		if sp.n > 1 {
			slices.Sort((*ids)[off:])
		}
		p.m[k] = span{off: uint32(off), n: sp.n}
	}
	return p.m
}

// Build indexes the indicators and the allow-list. Values are normalised as
// the lookups normalise what they are given; indicators and allow-list
// entries that cannot be understood are left out and returned as Invalid.
func Build(indicators iter.Seq[Indicator], allow iter.Seq[Indicator]) (*Set, []Invalid) {
	s := &Set{byType: map[Type]int{}, allowDomain: map[string]struct{}{}, allowValue: map[string]struct{}{}}
	var bad []Invalid
	if allow != nil {
		for a := range allow {
			if reason := s.addAllow(a); reason != "" {
				bad = append(bad, Invalid{Indicator: a, Allow: true, Reason: reason})
			}
		}
	}
	var (
		all                []posting
		ip4                postings[uint32]
		ip6, md5           postings[[16]byte]
		sha1               postings[[20]byte]
		sha256             postings[[32]byte]
		domain, url, email postings[string]
		keys               arena
		cidrs              postings[netip.Prefix]
		buf                []byte
	)
	if indicators != nil {
		for ind := range indicators {
			reason := ""
			v := strings.TrimSpace(ind.Value)
			switch ind.Type {
			case IPv4, IPv6, CIDR:
				p, err := parseAddrOrPrefix(v)
				switch {
				case err != nil:
					reason = "not an IP address or CIDR range"
				case ind.Type == IPv4 && !p.Addr().Is4(), ind.Type == IPv6 && !p.Addr().Is6():
					reason = "the address is not of type " + string(ind.Type)
				case p.IsSingleIP() && p.Addr().Is4():
					ip4.add(&all, ip4Key(p.Addr()), ind.ID)
				case p.IsSingleIP():
					ip6.add(&all, p.Addr().As16(), ind.ID)
				default:
					cidrs.add(&all, p, ind.ID)
				}
			case Domain:
				var err error
				buf, err = appendNormalDomain(buf[:0], v)
				if err != nil {
					reason = err.Error()
				} else {
					addString(&domain, &all, &keys, buf, ind.ID)
				}
			case URL:
				var ok bool
				buf, _, _, _, ok = appendURL(buf[:0], v)
				if !ok {
					reason = errURL.Error()
				} else {
					addString(&url, &all, &keys, buf, ind.ID)
				}
			case Email:
				var ok bool
				buf, _, ok = appendEmail(buf[:0], v)
				if !ok {
					reason = errEmail.Error()
				} else {
					addString(&email, &all, &keys, buf, ind.ID)
				}
			case MD5, SHA1, SHA256:
				switch {
				case !allHex(v):
					reason = "a hash is written in hexadecimal digits 0-9 and a-f"
				case hashKind(v) != ind.Type:
					reason = fmt.Sprintf("a %s hash has %d hexadecimal digits, this one has %d", ind.Type, hashDigits(ind.Type), len(v))
				case ind.Type == MD5:
					var k [16]byte
					decodeHex(k[:], v)
					md5.add(&all, k, ind.ID)
				case ind.Type == SHA1:
					var k [20]byte
					decodeHex(k[:], v)
					sha1.add(&all, k, ind.ID)
				default:
					var k [32]byte
					decodeHex(k[:], v)
					sha256.add(&all, k, ind.ID)
				}
			default:
				reason = fmt.Sprintf("unknown indicator type %q", ind.Type)
			}
			if reason != "" {
				bad = append(bad, Invalid{Indicator: ind, Reason: reason})
				continue
			}
			s.count++
			s.byType[ind.Type]++
		}
	}
	s.ids = make([]int64, 0, len(all))
	s.ip4 = finish(&ip4, all, &s.ids)
	s.ip6 = finish(&ip6, all, &s.ids)
	s.md5 = finish(&md5, all, &s.ids)
	s.sha1 = finish(&sha1, all, &s.ids)
	s.sha256 = finish(&sha256, all, &s.ids)
	s.domain = finish(&domain, all, &s.ids)
	s.url = finish(&url, all, &s.ids)
	s.email = finish(&email, all, &s.ids)
	s.buildCIDRs(&cidrs, all)
	s.ids = slices.Clip(s.ids)
	return s, bad
}

// buildCIDRs stores, for each range, the indicators of that range and of
// every range containing it, so that one longest-prefix lookup finds them all.
func (s *Set) buildCIDRs(p *postings[netip.Prefix], all []posting) {
	var own []int64
	byRange := finish(p, all, &own)
	ranges := make([]netip.Prefix, 0, len(byRange))
	var plain bart.Table[span]
	for pfx, sp := range byRange {
		ranges = append(ranges, pfx)
		plain.Insert(pfx, sp)
	}
	for _, pfx := range ranges {
		off := len(s.ids)
		for _, sp := range plain.Supernets(pfx) {
			s.ids = append(s.ids, own[sp.off:sp.off+sp.n]...)
		}
		slices.Sort(s.ids[off:])
		s.ids = append(s.ids[:off], slices.Compact(s.ids[off:])...)
		s.cidrs.Insert(pfx, span{off: uint32(off), n: uint32(len(s.ids) - off)})
	}
}

func hashDigits(t Type) int {
	switch t {
	case MD5:
		return 32
	case SHA1:
		return 40
	}
	return 64
}

func parseAddrOrPrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return p, err
		}
		if p.Addr().Is4In6() {
			a := p.Addr().Unmap()
			p = netip.PrefixFrom(a, max(p.Bits()-96, 0))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func ip4Key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// addAllow records one allow-list entry and returns why it was refused, if it was.
func (s *Set) addAllow(a Indicator) string {
	v := strings.TrimSpace(a.Value)
	switch a.Type {
	case IPv4, IPv6, CIDR:
		p, err := parseAddrOrPrefix(v)
		if err != nil {
			return "not an IP address or CIDR range"
		}
		s.allowIP.Insert(p)
	case Domain:
		d, err := normalDomain(v)
		if err != nil {
			return err.Error()
		}
		s.allowDomain[d] = struct{}{}
	case URL:
		b, _, _, _, ok := appendURL(nil, v)
		if !ok {
			return errURL.Error()
		}
		s.allowValue[string(b)] = struct{}{}
	case Email:
		b, _, ok := appendEmail(nil, v)
		if !ok {
			return errEmail.Error()
		}
		s.allowValue[string(b)] = struct{}{}
	case MD5, SHA1, SHA256:
		if !allHex(v) || hashKind(v) != a.Type {
			return fmt.Sprintf("a %s hash has %d hexadecimal digits", a.Type, hashDigits(a.Type))
		}
		s.allowValue[strings.ToLower(v)] = struct{}{}
	default:
		return fmt.Sprintf("unknown allow-list type %q", a.Type)
	}
	return ""
}
