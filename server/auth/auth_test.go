package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := HashPassword("kopi tubruk")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %q is not a PHC argon2id string with the default costs", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"kopi tubruk", true}, {"kopi tubruK", false}, {"", false}, {"kopi tubruk ", false}} {
		ok, err := CheckPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	h2, _ := HashPassword("kopi tubruk")
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestPasswordCostsFromHash(t *testing.T) {
	h, err := HashPasswordWith(cheap, "x")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "x"); !ok || err != nil {
		t.Fatalf("cheap hash does not verify: %v %v", ok, err)
	}
}

func TestBadHash(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if ok, err := CheckPassword(h, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", h, ok, err)
		}
	}
	if CheckNoUser("x") {
		t.Error("CheckNoUser returned true")
	}
}

func TestToken(t *testing.T) {
	s, h := NewToken()
	if len(s) != 43 || strings.ContainsAny(s, "+/=") {
		t.Errorf("secret %q is not 32 bytes of base64url", s)
	}
	if len(h) != 64 || TokenHash(s) != h {
		t.Errorf("hash %q", h)
	}
	s2, _ := NewToken()
	if s2 == s {
		t.Error("two tokens are equal")
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		if d := l.Fail("rina", "10.0.0.1", now); d != 0 {
			t.Fatalf("failure %d locked out for %v", i+1, d)
		}
		if d := l.Check("rina", "10.0.0.1", now); d != 0 {
			t.Fatalf("after %d failures Check = %v", i+1, d)
		}
	}
	if d := l.Fail("rina", "10.0.0.1", now); d != time.Second {
		t.Fatalf("5th failure: lock-out %v, want 1s", d)
	}
	if d := l.Check("rina", "10.0.0.9", now); d != time.Second {
		t.Errorf("name locked from another address: %v, want 1s", d)
	}
	if d := l.Check("budi", "10.0.0.1", now); d != 0 {
		t.Errorf("another name from the same address: %v, want 0", d)
	}
	now = now.Add(time.Second)
	if d := l.Check("rina", "10.0.0.1", now); d != 0 {
		t.Errorf("lock-out did not end: %v", d)
	}
	for _, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if d := l.Fail("rina", "10.0.0.1", now); d != want {
			t.Errorf("lock-out %v, want %v", d, want)
		}
	}
	for range 30 {
		l.Fail("rina", "10.0.0.1", now)
	}
	if d := l.Check("rina", "10.0.0.1", now); d != 15*time.Minute {
		t.Errorf("lock-out not capped: %v", d)
	}
	l.Succeed("rina")
	if d := l.Check("rina", "10.0.0.2", now); d != 0 {
		t.Errorf("after success: %v", d)
	}
	// The address guessed too much: every name from it waits.
	if d := l.Check("budi", "10.0.0.1", now); d == 0 {
		t.Error("address that failed 38 times not locked out")
	}
	// An hour later the count starts again.
	later := now.Add(2 * time.Hour)
	if d := l.Fail("rina", "10.0.0.3", later); d != 0 {
		t.Errorf("failure after the window: %v", d)
	}
}

func TestLimiterBounded(t *testing.T) {
	l := NewLimiter()
	l.Size = 100
	now := time.Now()
	for i := range 1000 {
		l.Fail(fmt.Sprint("user", i), "10.0.0.1", now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := l.Len(); n > 100 {
		t.Errorf("limiter holds %d keys, want at most 100", n)
	}
	if d := l.Check("x", "10.0.0.1", now.Add(time.Second)); d == 0 {
		t.Error("the guessing address was forgotten while made-up names filled the table")
	}
}
