package mail

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func note(n int) Message {
	return Message{
		To:      []string{"clerk@county.example.gov"},
		Subject: "notice " + strconv.Itoa(n),
		Text:    "body",
		Headers: map[string]string{"X-Seq": strconv.Itoa(n)},
	}
}

func subjects(caught []Caught) []string {
	var out []string
	for _, c := range caught {
		out = append(out, c.Message.Subject)
	}
	return out
}

func TestCatcherKeepsNewestFirst(t *testing.T) {
	c := NewCatcher(0)
	for i := 1; i <= 3; i++ {
		if err := c.Send(context.Background(), note(i)); err != nil {
			t.Fatal(err)
		}
	}
	list := c.List()
	if diff := cmp.Diff([]string{"notice 3", "notice 2", "notice 1"}, subjects(list)); diff != "" {
		t.Errorf("List subjects (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, caught := range list {
		if caught.ID == "" || seen[caught.ID] {
			t.Errorf("id %q empty or repeated", caught.ID)
		}
		seen[caught.ID] = true
		if caught.Sent.IsZero() {
			t.Errorf("message %s has no send time", caught.ID)
		}
		got, ok := c.Get(caught.ID)
		if !ok {
			t.Fatalf("Get(%s) found nothing", caught.ID)
		}
		if diff := cmp.Diff(caught, got); diff != "" {
			t.Errorf("Get(%s) differs from List (-list +get):\n%s", caught.ID, diff)
		}
	}
	if diff := cmp.Diff(note(2), list[1].Message); diff != "" {
		t.Errorf("kept message (-sent +kept):\n%s", diff)
	}
}

func TestCatcherDropsOldest(t *testing.T) {
	tests := []struct {
		name string
		size int
		sent int
		want int
	}{
		{"below size", 3, 2, 2},
		{"at size", 3, 3, 3},
		{"over size", 3, 7, 3},
		{"size one", 1, 4, 1},
		{"default size", 0, DefaultCatcherSize + 5, DefaultCatcherSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCatcher(tt.size)
			var ids []string
			for i := 1; i <= tt.sent; i++ {
				if err := c.Send(context.Background(), note(i)); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, c.List()[0].ID)
			}
			list := c.List()
			if len(list) != tt.want {
				t.Fatalf("kept %d, want %d", len(list), tt.want)
			}
			if got, want := list[0].Message.Subject, "notice "+strconv.Itoa(tt.sent); got != want {
				t.Errorf("newest = %q, want %q", got, want)
			}
			if got, want := list[len(list)-1].Message.Subject, "notice "+strconv.Itoa(tt.sent-tt.want+1); got != want {
				t.Errorf("oldest kept = %q, want %q", got, want)
			}
			for i, id := range ids {
				_, ok := c.Get(id)
				if wantKept := i >= tt.sent-tt.want; ok != wantKept {
					t.Errorf("Get(id of notice %d) found = %v, want %v", i+1, ok, wantKept)
				}
			}
		})
	}
}

func TestCatcherZeroValue(t *testing.T) {
	var c Catcher
	if err := c.Send(context.Background(), note(1)); err != nil {
		t.Fatal(err)
	}
	if len(c.List()) != 1 {
		t.Fatalf("zero Catcher kept %d messages, want 1", len(c.List()))
	}
	if _, ok := c.Get("no such id"); ok {
		t.Error("Get of an unknown id found something")
	}
}

func TestCatcherIsolatesStoredMessages(t *testing.T) {
	c := NewCatcher(10)
	m := note(1)
	if err := c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	m.To[0] = "changed@example.org"
	m.Headers["X-Seq"] = "changed"

	got := c.List()[0]
	got.Message.To[0] = "changed again@example.org"
	got.Message.Headers["X-Seq"] = "changed again"

	if diff := cmp.Diff(note(1), c.List()[0].Message); diff != "" {
		t.Errorf("stored message changed (-want +got):\n%s", diff)
	}
}

func TestCatcherRefuses(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		msg     Message
		wantErr error
	}{
		{"invalid message", context.Background(), Message{Text: "no recipient"}, ErrInvalidMessage},
		{"cancelled context", cancelled, note(1), context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCatcher(10)
			if err := c.Send(tt.ctx, tt.msg); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Send = %v, want %v", err, tt.wantErr)
			}
			if n := len(c.List()); n != 0 {
				t.Errorf("kept %d messages after a refusal", n)
			}
		})
	}
}

func TestCatcherConcurrentUse(t *testing.T) {
	const senders, each = 8, 25
	c := NewCatcher(senders * each)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := c.Send(context.Background(), note(s*each+i)); err != nil {
					t.Error(err)
				}
				c.List()
			}
		}()
	}
	wg.Wait()
	list := c.List()
	if len(list) != senders*each {
		t.Fatalf("kept %d, want %d", len(list), senders*each)
	}
	ids := map[string]bool{}
	for _, caught := range list {
		ids[caught.ID] = true
	}
	if len(ids) != senders*each {
		t.Errorf("%d distinct ids for %d messages", len(ids), senders*each)
	}
}
