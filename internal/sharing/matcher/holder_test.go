package matcher

import (
	"slices"
	"sync"
	"testing"
)

func TestHolderSwapsWhileReading(t *testing.T) {
	var h Holder
	if h.Load().Len() != 0 || h.Load().MatchDomain("evil.example") != nil {
		t.Fatal("an empty holder should match nothing")
	}
	first := buildTest(t)
	second, _ := Build(slices.Values([]Indicator{{99, Domain, "other.example"}}), nil)
	h.Swap(first)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s := h.Load()
				got := ids(s.MatchDomain("evil.example"))
				if s == first && !slices.Equal(got, []int64{6}) || s == second && got != nil {
					t.Errorf("set %p answered %v", s, got)
					return
				}
			}
		}()
	}
	if old := h.Swap(second); old != first {
		t.Error("Swap did not return the previous set")
	}
	wg.Wait()
	if h.Load() != second {
		t.Error("Load does not return the set swapped in")
	}
}
