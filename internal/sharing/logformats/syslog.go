package logformats

import (
	"bytes"
	"io"
)

// SyslogOptions describe firewall syslog lines.
type SyslogOptions struct {
	Year int // year for "Jan _2 15:04:05" times; the current year when 0
}

type syslogFormat struct{ opt SyslogOptions }

// NewSyslog reads firewall lines sent by syslog: netfilter/iptables kernel
// lines (SRC=192.0.2.1 DST=198.51.100.7 ...) and the key=value form many
// firewalls write (src=..., dstip=..., hostname=..., url="..."). The line's
// time is read from a leading RFC 3164 or RFC 3339 timestamp. A line with
// no field to match is reported.
func NewSyslog(r io.Reader, opt SyslogOptions) *Scanner {
	return newScanner(r, &syslogFormat{opt: opt})
}

// syslogKey tells the kind of a key, compared in lower case.
func syslogKey(k []byte) Kind {
	var low [24]byte
	if len(k) > len(low) {
		return 0
	}
	for i, c := range k {
		low[i] = lowerASCII(c)
	}
	switch string(low[:len(k)]) {
	case "src", "srcip", "src_ip", "source_ip", "saddr", "srcaddr", "src_addr", "client_ip":
		return SrcIP
	case "dst", "dstip", "dst_ip", "destination_ip", "daddr", "dstaddr", "dst_addr", "server_ip":
		return DstIP
	case "hostname", "host", "domain", "query", "qname", "dns_query", "sni", "server_name":
		return Domain
	case "url", "uri_full", "request_url":
		return URL
	case "md5", "sha1", "sha256", "hash", "filehash", "file_hash":
		return Hash
	case "from", "sender", "mailfrom", "recipient", "rcpt", "rcptto":
		return Email
	}
	return 0
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// leadingTime finds the timestamp at the start of a syslog line, after an
// optional <PRI> and RFC 5424 version.
func (f *syslogFormat) leadingTime(line []byte) []byte {
	if len(line) > 0 && line[0] == '<' {
		if i := bytes.IndexByte(line, '>'); i > 0 && i < 5 {
			line = line[i+1:]
			if len(line) > 1 && line[0] >= '1' && line[0] <= '9' && line[1] == ' ' {
				line = line[2:] // RFC 5424 version
			}
		}
	}
	if len(line) >= 15 && line[3] == ' ' {
		for _, m := range months {
			if string(line[:3]) == m {
				return line[:15]
			}
		}
	}
	if len(line) >= 19 && line[4] == '-' && line[7] == '-' {
		if i := bytes.IndexByte(line, ' '); i > 0 {
			return line[:i]
		}
		return line
	}
	return nil
}

func (f *syslogFormat) parse(s *Scanner, line []byte) (bool, error) {
	if ts := f.leadingTime(line); ts != nil {
		if t, ok := parseTime(ts, f.opt.Year); ok {
			s.rec.Time = t
		}
	}
	found := false
	for i := 0; i < len(line); {
		eq := bytes.IndexByte(line[i:], '=')
		if eq < 0 {
			break
		}
		eq += i
		// The key runs back from '=' to the previous space.
		k := eq
		for k > i && line[k-1] != ' ' && line[k-1] != '\t' && line[k-1] != ',' && line[k-1] != ';' {
			k--
		}
		key := line[k:eq]
		j := eq + 1
		var val []byte
		if j < len(line) && line[j] == '"' {
			end := bytes.IndexByte(line[j+1:], '"')
			if end < 0 {
				val = line[j+1:]
				j = len(line)
			} else {
				val = line[j+1 : j+1+end]
				j = j + 2 + end
			}
		} else {
			end := j
			for end < len(line) && line[end] != ' ' && line[end] != '\t' && line[end] != ',' && line[end] != ';' {
				end++
			}
			val = line[j:end]
			j = end
		}
		if kind := syslogKey(key); kind != 0 && len(val) > 0 && string(val) != "-" {
			s.add(kind, val)
			found = true
		}
		i = j
	}
	if !found {
		return false, skip("no address or other value to match was found (expected SRC=/DST= or src=/dst= fields)")
	}
	return true, nil
}
