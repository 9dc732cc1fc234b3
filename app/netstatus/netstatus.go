// Package netstatus tells whether the laptop has a network: the status bar's
// online/offline light. It is deliberately local (network interfaces with a
// routable address), because at an event the question is "is there any
// network at all"; whether the newsroom server answers is the sync package's
// business.
package netstatus

import (
	"context"
	"net"
	"time"
)

// Status is the current network state.
type Status struct {
	Online bool `json:"online"`
	// Interfaces names the interfaces that carry a routable address.
	Interfaces []string `json:"interfaces"`
}

// Iface is the part of a network interface the check needs.
type Iface struct {
	Name  string
	Up    bool
	Loop  bool
	Addrs []net.IP
}

// Check reports Online when an interface that is up, and not loopback,
// has a global unicast address (not link-local: a cable with no DHCP is offline).
func Check(ifaces []Iface) Status {
	s := Status{Interfaces: []string{}}
	for _, i := range ifaces {
		if !i.Up || i.Loop {
			continue
		}
		for _, ip := range i.Addrs {
			if ip.IsGlobalUnicast() {
				s.Interfaces = append(s.Interfaces, i.Name)
				break
			}
		}
	}
	s.Online = len(s.Interfaces) > 0
	return s
}

// System lists the machine's interfaces.
func System() ([]Iface, error) {
	nis, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Iface, 0, len(nis))
	for _, ni := range nis {
		i := Iface{Name: ni.Name, Up: ni.Flags&net.FlagUp != 0, Loop: ni.Flags&net.FlagLoopback != 0}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				i.Addrs = append(i.Addrs, n.IP)
			}
		}
		out = append(out, i)
	}
	return out, nil
}

// Watcher polls the interfaces and reports changes.
type Watcher struct {
	List     func() ([]Iface, error) // System by default
	Interval time.Duration
	OnChange func(Status)
}

// Serve calls OnChange with the first status and then on every change, until ctx ends.
func (w Watcher) Serve(ctx context.Context) error {
	list := w.List
	if list == nil {
		list = System
	}
	var last *Status
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		ifs, err := list()
		s := Check(ifs)
		if err != nil {
			s = Status{Interfaces: []string{}}
		}
		if last == nil || last.Online != s.Online {
			w.OnChange(s)
			last = &s
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
