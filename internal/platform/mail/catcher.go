package mail

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// DefaultCatcherSize is how many messages a Catcher keeps unless told.
const DefaultCatcherSize = 200

// Caught is a message kept by a Catcher.
type Caught struct {
	ID      string
	Sent    time.Time
	Message Message
}

// Catcher keeps sent mail in memory instead of delivering it, for demo mode
// (where an inbox page shows it) and for tests. It holds the most recent
// messages only. The zero value keeps DefaultCatcherSize messages. Safe for
// concurrent use.
type Catcher struct {
	mu     sync.Mutex
	size   int
	lastID uint64
	kept   []Caught // oldest first
}

var _ Sender = (*Catcher)(nil)

// NewCatcher returns a Catcher keeping the last size messages, or
// DefaultCatcherSize when size is not positive.
func NewCatcher(size int) *Catcher {
	return &Catcher{size: size}
}

// Send keeps m after the same checks the SMTP sender makes.
func (c *Catcher) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("catch mail: %w", err)
	}
	if err := m.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	size := c.size
	if size <= 0 {
		size = DefaultCatcherSize
	}
	if len(c.kept) >= size {
		n := copy(c.kept, c.kept[len(c.kept)-size+1:])
		clear(c.kept[n:]) // let dropped messages be collected
		c.kept = c.kept[:n]
	}
	c.lastID++
	c.kept = append(c.kept, Caught{
		ID:      strconv.FormatUint(c.lastID, 10),
		Sent:    time.Now(),
		Message: m.clone(),
	})
	return nil
}

// List returns the kept messages, newest first.
func (c *Catcher) List() []Caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Caught, len(c.kept))
	for i, caught := range c.kept {
		caught.Message = caught.Message.clone()
		out[len(c.kept)-1-i] = caught
	}
	return out
}

// Get returns the kept message with the given id.
func (c *Catcher) Get(id string) (Caught, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, caught := range c.kept {
		if caught.ID == id {
			caught.Message = caught.Message.clone()
			return caught, true
		}
	}
	return Caught{}, false
}
