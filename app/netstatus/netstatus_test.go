package netstatus

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	wifi     = Iface{Name: "wlan0", Up: true, Addrs: []net.IP{net.ParseIP("192.168.43.20")}}
	wifiDown = Iface{Name: "wlan0", Up: false, Addrs: []net.IP{net.ParseIP("192.168.43.20")}}
	lo       = Iface{Name: "lo", Up: true, Loop: true, Addrs: []net.IP{net.ParseIP("127.0.0.1")}}
	linkLoc  = Iface{Name: "eth0", Up: true, Addrs: []net.IP{net.ParseIP("169.254.1.2"), net.ParseIP("fe80::1")}}
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		ifaces []Iface
		online bool
	}{
		{"none", nil, false},
		{"loopback only", []Iface{lo}, false},
		{"link-local only", []Iface{lo, linkLoc}, false},
		{"wifi down", []Iface{lo, wifiDown}, false},
		{"wifi", []Iface{lo, linkLoc, wifi}, true},
	}
	for _, tc := range tests {
		if got := Check(tc.ifaces); got.Online != tc.online {
			t.Errorf("%s: online = %v, want %v (%v)", tc.name, got.Online, tc.online, got.Interfaces)
		}
	}
}

func TestSystemListsLoopback(t *testing.T) {
	ifs, err := System()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Loop {
			return
		}
	}
	t.Fatalf("no loopback interface among %v", ifs)
}

func TestWatcherReportsChanges(t *testing.T) {
	var mu sync.Mutex
	states := [][]Iface{{lo}, {lo}, {lo, wifi}, {lo, wifi}, nil}
	n := 0
	list := func() ([]Iface, error) {
		mu.Lock()
		defer mu.Unlock()
		if n >= len(states) {
			return nil, errors.New("interfaces gone")
		}
		n++
		return states[n-1], nil
	}
	got := make(chan bool, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- Watcher{List: list, Interval: time.Millisecond, OnChange: func(s Status) { got <- s.Online }}.Serve(ctx)
	}()
	want := []bool{false, true, false}
	for i, w := range want {
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("change %d: online = %v, want %v", i, g, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("change %d never reported", i)
		}
	}
	cancel()
	<-done
	select {
	case g := <-got:
		t.Fatalf("extra change reported: %v", g)
	default:
	}
}
