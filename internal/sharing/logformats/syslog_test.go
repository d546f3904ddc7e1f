package logformats

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSyslog(t *testing.T) {
	in := strings.Join([]string{
		"Nov  3 06:10:01 fw01 kernel: [123456.789012] IPTABLES-DROP: IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc SRC=198.51.100.23 DST=192.0.2.15 LEN=60 PROTO=TCP SPT=443 DPT=51515",
		"<134>Nov 13 16:13:30 fw02 filterlog: action=block src=203.0.113.66 dst=192.0.2.53",
		`2026-11-03T06:14:00.250Z fw03 fw: srcip=192.0.2.53 dstip=192.0.2.80 hostname="sos.example.gov" url="http://a.example/x y" note=-`,
		"<14>1 2026-11-03T01:15:00-05:00 fw04 app - - - src_ip=192.0.2.7,dst_ip=198.51.100.9;sha256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"Nov  3 06:16:00 fw01 sshd[811]: Accepted publickey for clerk from 192.0.2.9 port 50022 ssh2",
		"no time but SRC=192.0.2.99",
	}, "\n")
	s := NewSyslog(strings.NewReader(in), SyslogOptions{Year: 2026})
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{
		{1, "2026-11-03T06:10:01Z", []string{"src_ip=198.51.100.23", "dst_ip=192.0.2.15"}},
		{2, "2026-11-13T16:13:30Z", []string{"src_ip=203.0.113.66", "dst_ip=192.0.2.53"}},
		{3, "2026-11-03T06:14:00.25Z", []string{"src_ip=192.0.2.53", "dst_ip=192.0.2.80", "domain=sos.example.gov", "url=http://a.example/x y"}},
		{4, "2026-11-03T06:15:00Z", []string{"src_ip=192.0.2.7", "dst_ip=198.51.100.9", "hash=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
		{6, "", []string{"src_ip=192.0.2.99"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{5}, errorLines(s)); diff != "" {
		t.Errorf("error lines (-want +got)\n%s", diff)
	}
}

func FuzzSyslog(f *testing.F) {
	f.Add([]byte("Nov  3 06:10:01 fw kernel: SRC=192.0.2.1 DST=198.51.100.2\n<13>x=\"y\n2026-11-03T06:00:00Z src=\n"))
	f.Add([]byte("<999999>==\"\"=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScan(t, NewSyslog(strings.NewReader(string(data)), SyslogOptions{Year: 2026}))
	})
}
