package logformats

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// zeekRole is what the matcher should make of one Zeek column.
type zeekRole struct {
	kind Kind
	set  bool // a set or vector, split on the set separator
}

// zeekColumns names the Zeek columns worth matching, whatever the log's path
// (conn, dns, http, ssl, files, smtp...).
var zeekColumns = map[string]zeekRole{
	"ts":          {kind: Time},
	"id.orig_h":   {kind: SrcIP},
	"id.resp_h":   {kind: DstIP},
	"query":       {kind: Domain},
	"answers":     {kind: Any, set: true},
	"host":        {kind: Domain},
	"server_name": {kind: Domain},
	"referrer":    {kind: URL},
	"md5":         {kind: Hash},
	"sha1":        {kind: Hash},
	"sha256":      {kind: Hash},
	"mailfrom":    {kind: Email},
	"rcptto":      {kind: Email, set: true},
	"from":        {kind: Email},
	"to":          {kind: Email, set: true},
	"tx_hosts":    {kind: IP, set: true},
	"rx_hosts":    {kind: IP, set: true},
}

type zeekFormat struct {
	sep, setSep  []byte
	empty, unset []byte
	path         string
	roles        []zeekRole // per column; kind 0 for columns not matched
	host, uri    int        // http.log columns, -1 when absent
	haveFields   bool
	fields       [][]byte
}

// NewZeek reads a Zeek log in its TSV form, with the #separator, #fields
// and other header lines Zeek writes. conn, dns, http, ssl, files and smtp
// logs give their addresses, names, URLs, hashes and mail addresses; http
// logs also give the URL made of host and uri.
func NewZeek(r io.Reader) *Scanner {
	return newScanner(r, &zeekFormat{
		sep: []byte{'\t'}, setSep: []byte{','}, empty: []byte("(empty)"), unset: []byte("-"),
		host: -1, uri: -1,
	})
}

// unescapeZeek reads header values such as "\x09".
func unescapeZeek(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+3 < len(b) && b[i+1] == 'x' {
			if v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 3
				continue
			}
		}
		out = append(out, b[i])
	}
	return out
}

func (z *zeekFormat) header(line []byte) error {
	// "#separator \x09" uses a space; the rest use the separator itself.
	if v, ok := bytes.CutPrefix(line, []byte("#separator ")); ok {
		sep := unescapeZeek(bytes.TrimSpace(v))
		if len(sep) == 0 {
			return skip("the #separator header is empty")
		}
		z.sep = sep
		return nil
	}
	name, value, _ := bytes.Cut(line[1:], z.sep)
	switch string(name) {
	case "set_separator":
		z.setSep = unescapeZeek(value)
	case "empty_field":
		z.empty = append([]byte(nil), value...)
	case "unset_field":
		z.unset = append([]byte(nil), value...)
	case "path":
		z.path = string(value)
	case "fields":
		names := bytes.Split(value, z.sep)
		z.roles = z.roles[:0]
		z.host, z.uri = -1, -1
		for i, n := range names {
			z.roles = append(z.roles, zeekColumns[string(n)])
			switch string(n) {
			case "host":
				z.host = i
			case "uri":
				z.uri = i
			}
		}
		z.haveFields = true
	}
	return nil
}

func (z *zeekFormat) parse(s *Scanner, line []byte) (bool, error) {
	if line[0] == '#' {
		return false, z.header(line)
	}
	if !z.haveFields {
		return false, skip("a data line comes before the #fields header that names the columns")
	}
	z.fields = z.fields[:0]
	rest := line
	for {
		i := bytes.Index(rest, z.sep)
		if i < 0 {
			z.fields = append(z.fields, rest)
			break
		}
		z.fields = append(z.fields, rest[:i])
		rest = rest[i+len(z.sep):]
	}
	if len(z.fields) != len(z.roles) {
		return false, skip(fmt.Sprintf("the line has %d columns but the #fields header names %d", len(z.fields), len(z.roles)))
	}
	for i, f := range z.fields {
		r := z.roles[i]
		if r.kind == 0 || bytes.Equal(f, z.unset) || bytes.Equal(f, z.empty) {
			continue
		}
		if r.kind == Time {
			t, ok := parseUnix(f)
			if !ok {
				s.note(fmt.Sprintf("the time %q is not a Zeek timestamp (seconds since 1970); the line is matched without a time", f))
			}
			s.rec.Time = t
			continue
		}
		if !r.set {
			s.add(r.kind, f)
			continue
		}
		for len(f) > 0 {
			j := bytes.Index(f, z.setSep)
			if j < 0 {
				s.add(r.kind, f)
				break
			}
			s.add(r.kind, f[:j])
			f = f[j+len(z.setSep):]
		}
	}
	if z.host >= 0 && z.uri >= 0 {
		host, uri := z.fields[z.host], z.fields[z.uri]
		switch {
		case bytes.HasPrefix(uri, []byte("http://")) || bytes.HasPrefix(uri, []byte("https://")):
			s.add(URL, uri) // a proxy request carries the whole URL
		case len(uri) > 0 && uri[0] == '/' && len(host) > 0 && !bytes.Equal(host, z.unset) && !bytes.Equal(host, z.empty):
			s.addCopy(URL, []byte("http://"), host, uri)
		}
	}
	return true, nil
}
