package ids

import (
	"testing"
	"time"
)

func TestNewSortsByTimeAndIsValid(t *testing.T) {
	t0 := time.Date(2019, 8, 21, 10, 30, 0, 0, time.UTC)
	prev := ""
	for i := range 100 {
		id := New(t0.Add(time.Duration(i) * time.Millisecond))
		if !Valid(id) {
			t.Fatalf("New made an invalid id %q", id)
		}
		if id <= prev {
			t.Fatalf("ids do not sort by time: %q after %q", id, prev)
		}
		prev = id
	}
}

func TestValidRefuses(t *testing.T) {
	for _, s := range []string{"", "../../etc/passwd", "01hzzzzzzzzzzzzzzzzzzzzzzz0", "81hzzzzzzzzzzzzzzzzzzzzzzz", "01hzzzzzzzzzzzzzzzzzzzzzzI", "01HZZZZZZZZZZZZZZZZZZZZZZZ"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}
