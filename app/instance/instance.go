// Package instance makes sure one Warta runs per data folder.
//
// BadgerDB lets one process open a database; a second copy of Warta started
// on the same data folder must neither corrupt it nor lock the first one out.
// The first instance holds an exclusive lock on a file in the data folder and
// listens on a local socket beside it. A second instance that fails to take
// the lock connects to that socket and asks the first to bring its window
// forward, then exits.
package instance

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// ErrAlreadyRunning is returned by Acquire when another process holds the lock.
var ErrAlreadyRunning = errors.New("Warta is already running")

// Running describes the outcome for a second instance.
type Running struct {
	// Woken is true when the running instance confirmed it brought its window forward.
	Woken bool
}

func (r *Running) Error() string {
	if r.Woken {
		return ErrAlreadyRunning.Error() + "; its window was brought to the front"
	}
	return ErrAlreadyRunning.Error() + " (it did not answer; close it or wait for it to finish)"
}

func (r *Running) Unwrap() error { return ErrAlreadyRunning }

const activateMsg = "activate"

// Lock is held by the one running instance.
type Lock struct {
	fl   *flock.Flock
	ln   net.Listener
	sock string
	log  *slog.Logger

	mu         sync.Mutex
	onActivate func()
	pending    bool // an activation arrived before OnActivate was set
	wg         sync.WaitGroup
}

// Acquire takes the instance lock at lockPath and listens on sockPath.
// If another process holds the lock, it asks that process to come forward
// and returns a *Running error (errors.Is(err, ErrAlreadyRunning)).
func Acquire(lockPath, sockPath string, log *slog.Logger) (*Lock, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fl := flock.New(lockPath)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("take instance lock %s: %w", lockPath, err)
	}
	if !ok {
		return nil, &Running{Woken: wake(sockPath)}
	}
	l := &Lock{fl: fl, sock: sockPath, log: log}
	// We hold the lock, so any socket file left here is stale.
	_ = os.Remove(sockPath)
	ln, err := net.Listen("unix", sockPath)
	if err != nil {
		// Not fatal: the lock still protects the data; a second launch just
		// cannot bring this window forward.
		log.Warn("instance socket unavailable", "path", sockPath, "err", err)
		return l, nil
	}
	l.ln = ln
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// OnActivate sets what happens when a second launch asks us to come forward.
func (l *Lock) OnActivate(f func()) {
	l.mu.Lock()
	l.onActivate = f
	pending := l.pending
	l.pending = false
	l.mu.Unlock()
	if pending && f != nil {
		f()
	}
}

func (l *Lock) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // listener closed
		}
		l.handle(c)
	}
}

func (l *Lock) handle(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != activateMsg {
		return
	}
	l.log.Info("second launch asked this window to come forward")
	l.mu.Lock()
	f := l.onActivate
	if f == nil {
		l.pending = true
	}
	l.mu.Unlock()
	if f != nil {
		f()
	}
	_, _ = c.Write([]byte("ok\n"))
}

// wake asks the instance listening on sockPath to come forward.
func wake(sockPath string) bool {
	c, err := net.DialTimeout("unix", sockPath, 2*time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(activateMsg + "\n")); err != nil {
		return false
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(reply) == "ok"
}

// Release stops listening and drops the lock.
func (l *Lock) Release() error {
	if l.ln != nil {
		l.ln.Close()
		l.wg.Wait()
		_ = os.Remove(l.sock)
	}
	return l.fl.Unlock()
}
