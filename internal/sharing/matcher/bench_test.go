package matcher

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"bulwark/internal/sharing/logformats"
)

// mixedIndicators yields n indicators of every type, in proportions like a
// hub's: mostly addresses and domains. The same seed gives the same values.
func mixedIndicators(n int, seed uint64) iter.Seq[Indicator] {
	return func(yield func(Indicator) bool) {
		r := rand.New(rand.NewPCG(seed, 1))
		var h [32]byte
		for i := range n {
			id := int64(i + 1)
			var ind Indicator
			switch p := r.IntN(100); {
			case p < 40:
				ind = Indicator{id, IPv4, netip.AddrFrom4(ipv4(r)).String()}
			case p < 45:
				var a [16]byte
				a[0], a[1] = 0x20, 0x01
				for j := 2; j < 16; j++ {
					a[j] = byte(r.Uint32())
				}
				ind = Indicator{id, IPv6, netip.AddrFrom16(a).String()}
			case p < 50:
				ind = Indicator{id, CIDR, netip.PrefixFrom(netip.AddrFrom4(ipv4(r)), 16+r.IntN(13)).Masked().String()}
			case p < 75:
				ind = Indicator{id, Domain, fmt.Sprintf("h%x.d%x.example", r.Uint32(), r.IntN(50000))}
			case p < 85:
				ind = Indicator{id, URL, fmt.Sprintf("https://d%x.example/p/%x/login.php?id=%d", r.IntN(50000), r.Uint32(), i)}
			case p < 90:
				ind = Indicator{id, Email, fmt.Sprintf("u%x@d%x.example", r.Uint32(), r.IntN(50000))}
			default:
				for j := range h {
					h[j] = byte(r.Uint32())
				}
				switch p % 3 {
				case 0:
					ind = Indicator{id, MD5, hex.EncodeToString(h[:16])}
				case 1:
					ind = Indicator{id, SHA1, hex.EncodeToString(h[:20])}
				default:
					ind = Indicator{id, SHA256, hex.EncodeToString(h[:])}
				}
			}
			if !yield(ind) {
				return
			}
		}
	}
}

func ipv4(r *rand.Rand) [4]byte {
	v := r.Uint32()
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkBuild1M builds a set of 1,000,000 mixed indicators and reports the
// live heap it holds (heap-MiB) and the time of one build (ns/op).
func BenchmarkBuild1M(b *testing.B) {
	const n = 1_000_000
	input := slices.Collect(mixedIndicators(n, 42)) // as read from the database
	var set *Set
	var heap uint64
	for b.Loop() {
		set = nil
		b.StopTimer()
		before := liveHeap()
		b.StartTimer()
		set, _ = Build(slices.Values(input), nil)
		b.StopTimer()
		heap = liveHeap() - before
		b.StartTimer()
	}
	if set.Len() != n {
		b.Fatalf("built %d indicators, want %d", set.Len(), n)
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	runtime.KeepAlive(set)
}

// connLog writes a Zeek conn.log of n lines; about one line in 50 talks to
// an address from the indicators.
func connLog(n int, hot []string) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var buf bytes.Buffer
	buf.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
	buf.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n")
	ts := time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC).Unix()
	for i := range n {
		dst := netip.AddrFrom4(ipv4(r)).String()
		if i%50 == 0 {
			dst = hot[r.IntN(len(hot))]
		}
		fmt.Fprintf(&buf, "%d.%06d\tC%016x\t192.0.2.%d\t%d\t%s\t443\ttcp\tssl\t0.%06d\t517\t4521\tSF\tT\tF\t0\tShADadFf\t12\t1141\t10\t5053\t-\n",
			ts+int64(i/100), r.IntN(1000000), r.Uint64(), 1+r.IntN(250), 1024+r.IntN(60000), dst, r.IntN(1000000))
	}
	return buf.Bytes()
}

// BenchmarkMatchZeekConn reads a tab-separated Zeek conn.log and matches the
// two addresses of each line against 1,000,000 indicators. Run with -cpu 1;
// lines/s is the figure to compare with the 300,000 lines/s target.
func BenchmarkMatchZeekConn(b *testing.B) {
	set, _ := Build(mixedIndicators(1_000_000, 42), nil)
	var hot []string
	for ind := range mixedIndicators(20_000, 42) {
		if ind.Type == IPv4 {
			hot = append(hot, ind.Value)
		}
	}
	const lines = 200_000
	log := connLog(lines, hot)
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	var sightings []Sighting
	for b.Loop() {
		var err error
		sightings, err = Scan(set, logformats.NewZeek(bytes.NewReader(log)))
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(sightings) == 0 {
		b.Fatal("no sightings: the benchmark log does not reach the indicators")
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkMatchTSV is the same with a TSV file and a column mapping of
// source, destination and domain.
func BenchmarkMatchTSV(b *testing.B) {
	set, _ := Build(mixedIndicators(1_000_000, 42), nil)
	r := rand.New(rand.NewPCG(9, 9))
	var buf bytes.Buffer
	buf.WriteString("time\tsrc\tdst\tquery\taction\n")
	const lines = 200_000
	for i := range lines {
		fmt.Fprintf(&buf, "2026-11-03T06:%02d:%02dZ\t192.0.2.%d\t%s\th%x.d%x.example\tallow\n",
			i/60%60, i%60, 1+r.IntN(250), netip.AddrFrom4(ipv4(r)), r.Uint32(), r.IntN(50000))
	}
	log := buf.Bytes()
	opt := logformats.CSVOptions{Comma: '\t', Header: true, Columns: []logformats.Column{
		{Name: "time", Kind: logformats.Time}, {Name: "src", Kind: logformats.SrcIP},
		{Name: "dst", Kind: logformats.DstIP}, {Name: "query", Kind: logformats.Domain},
	}}
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	for b.Loop() {
		sc, err := logformats.NewCSV(bytes.NewReader(log), opt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Scan(set, sc); err != nil {
			b.Fatal(err)
		}
		if sc.Malformed() > 0 {
			b.Fatal(sc.Errors())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRebuildWhileServing builds a second set of 1,000,000 indicators
// while the first is still held, as the hub does before a Swap, and reports
// the highest live heap seen during the build (peak-MiB, sampled every 2 ms,
// so a lower bound) and the heap held by both sets afterwards (both-MiB).
func BenchmarkRebuildWhileServing(b *testing.B) {
	const n = 1_000_000
	input := slices.Collect(mixedIndicators(n, 42))
	base := liveHeap()
	var h Holder
	first, _ := Build(slices.Values(input), nil)
	h.Swap(first)
	var peak, both uint64
	for b.Loop() {
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var top uint64
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			for {
				runtime.ReadMemStats(&m)
				top = max(top, m.HeapAlloc)
				select {
				case <-stop:
					done <- top
					return
				case <-tick.C:
				}
			}
		}()
		next, _ := Build(slices.Values(input), nil)
		close(stop)
		peak = max(peak, <-done)
		both = liveHeap()
		runtime.KeepAlive(next)
		h.Swap(next)
	}
	b.ReportMetric(float64(peak-base)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(both-base)/(1<<20), "both-MiB")
}

// BenchmarkMatchJSONLines is the same with JSON lines (Zeek's JSON form),
// which go through encoding/json and so allocate per line.
func BenchmarkMatchJSONLines(b *testing.B) {
	set, _ := Build(mixedIndicators(1_000_000, 42), nil)
	r := rand.New(rand.NewPCG(11, 11))
	var buf bytes.Buffer
	const lines = 100_000
	for i := range lines {
		fmt.Fprintf(&buf, `{"ts":%d.%06d,"uid":"C%016x","id.orig_h":"192.0.2.%d","id.orig_p":%d,"id.resp_h":"%s","id.resp_p":443,"proto":"tcp","query":"h%x.d%x.example"}`+"\n",
			1793686200+i/100, r.IntN(1000000), r.Uint64(), 1+r.IntN(250), 1024+r.IntN(60000), netip.AddrFrom4(ipv4(r)), r.Uint32(), r.IntN(50000))
	}
	log := buf.Bytes()
	opt := logformats.JSONOptions{Fields: []logformats.Field{
		{Path: "ts", Kind: logformats.Time}, {Path: "id.orig_h", Kind: logformats.SrcIP},
		{Path: "id.resp_h", Kind: logformats.DstIP}, {Path: "query", Kind: logformats.Domain},
	}}
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	for b.Loop() {
		sc, err := logformats.NewJSONLines(bytes.NewReader(log), opt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Scan(set, sc); err != nil {
			b.Fatal(err)
		}
		if sc.Malformed() > 0 {
			b.Fatal(sc.Errors())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
