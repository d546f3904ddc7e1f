package matcher

import "sync/atomic"

// Holder keeps the current Set. Readers Load it without blocking while a new
// one is built in the background and put in place with Swap.
type Holder struct{ p atomic.Pointer[Set] }

// empty answers lookups before the first build.
var empty, _ = Build(nil, nil)

// Load returns the current set, or an empty one before the first Swap.
func (h *Holder) Load() *Set {
	if s := h.p.Load(); s != nil {
		return s
	}
	return empty
}

// Swap puts s in place and returns the set it replaces.
func (h *Holder) Swap(s *Set) *Set { return h.p.Swap(s) }
