package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Where says where a secret is kept.
type Where string

const (
	// InKeyring is the operating system's keyring.
	InKeyring Where = "keyring"
	// InFile is the plain fallback file fallbackDir/secrets.json.
	InFile Where = "file"
)

// MaxSecretLen is the longest secret accepted, in bytes. Windows Credential
// Manager takes at most 2560; tokens and application passwords are far
// shorter, so anything longer is a mistake (a pasted file, a whole page).
const MaxSecretLen = 2048

// FileName is the fallback file's name inside fallbackDir.
const FileName = "secrets.json"

var (
	// ErrNotFound: no secret is stored for the account.
	ErrNotFound = errors.New("secret not found")
	// ErrTooLong: the secret is longer than MaxSecretLen.
	ErrTooLong = errors.New("secret too long")
	// ErrCorrupt: secrets.json cannot be read; it is left as it is.
	ErrCorrupt = errors.New("secrets file is damaged")
	// ErrNoAccount: the account name is empty.
	ErrNoAccount = errors.New("no account name")
	// errTimeout: a keyring call did not return in time.
	errTimeout = errors.New("did not answer")
)

// Keyring is what Store needs from a keyring; go-keyring's package functions
// have these signatures, and System wraps them.
type Keyring interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// System is the operating system's keyring, via go-keyring.
var System Keyring = systemKeyring{}

type systemKeyring struct{}

func (systemKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (systemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (systemKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

var _ Keyring = systemKeyring{}

// Timeouts for keyring calls. A Secret Service call can hang when D-Bus is
// half there; the probe's limit bounds how long New can take at start-up.
// Variables so tests can shorten them.
var (
	probeTimeout = 2 * time.Second
	callTimeout  = 10 * time.Second // longer: an unlock prompt may be showing
)

// probeAccount is the throwaway entry the probe writes, reads and deletes.
const probeAccount = "warta-keyring-probe"

// Store keeps secrets in the keyring or, failing that, in the fallback file.
// Its methods are safe for concurrent use; they run one at a time.
type Store struct {
	service string
	path    string
	log     *slog.Logger

	mu     sync.Mutex
	kr     Keyring // nil when the keyring is not used
	reason string  // why secrets are (or one was) in the file; "" if none
}

// New returns a Store for service (the name entries are filed under, e.g.
// "Warta") that falls back to fallbackDir/secrets.json. It probes the system
// keyring once, which takes at most about two seconds.
func New(service, fallbackDir string, log *slog.Logger) *Store {
	return NewWithKeyring(System, service, fallbackDir, log)
}

// NewWithKeyring is New with a given keyring; a nil k means the file only.
func NewWithKeyring(k Keyring, service, fallbackDir string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		service: service,
		path:    filepath.Join(fallbackDir, FileName),
		log:     log.With("component", "secrets"),
	}
	if k == nil {
		s.useFile("the keyring is turned off")
		return s
	}
	if err := probe(k, service); err != nil {
		s.useFile(err.Error())
		return s
	}
	s.kr = k
	s.log.Info("secrets are kept in the system keyring")
	return s
}

// useFile switches the store to the file for good; why is the keyring's
// failure in plain words.
func (s *Store) useFile(why string) {
	s.kr = nil
	s.reason = fmt.Sprintf("No system keyring is available (%s); the token is stored in %s, readable only by your user account.", why, s.path)
	s.log.Warn("no system keyring; secrets go to a plain file", "reason", why, "path", s.path)
}

// probe sets, reads back and deletes a throwaway entry within probeTimeout.
func probe(k Keyring, service string) error {
	var b [8]byte
	rand.Read(b[:])
	want := "probe-" + hex.EncodeToString(b[:])
	return withTimeout(probeTimeout, func() error {
		if err := k.Set(service, probeAccount, want); err != nil {
			return fmt.Errorf("storing a test entry failed: %v", err)
		}
		got, err := k.Get(service, probeAccount)
		if err != nil {
			return fmt.Errorf("reading a test entry back failed: %v", err)
		}
		if got != want {
			return errors.New("a test entry read back differently")
		}
		if err := k.Delete(service, probeAccount); err != nil {
			return fmt.Errorf("deleting a test entry failed: %v", err)
		}
		return nil
	})
}

// withTimeout runs f in a goroutine and gives up after d. A call that never
// returns leaves its goroutine behind; the store then stops using the keyring.
func withTimeout(d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("the keyring %w within %s", errTimeout, d)
	}
}

// call runs one keyring operation with callTimeout; on a timeout the store
// gives up on the keyring for the rest of the session.
func (s *Store) call(f func(Keyring) error) error {
	k := s.kr
	err := withTimeout(callTimeout, func() error { return f(k) })
	if errors.Is(err, errTimeout) {
		s.useFile(err.Error())
	}
	return err
}

// Backend is where Set puts secrets now.
func (s *Store) Backend() Where {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kr == nil {
		return InFile
	}
	return InKeyring
}

// FallbackReason explains, in plain English for the UI, why secrets are in
// the plain file. It is "" while everything is in the keyring.
func (s *Store) FallbackReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kr != nil && s.reason != "" {
		// A Set fell back earlier; say so only while the file still holds something.
		if m, err := s.readFile(); err == nil && len(m) == 0 {
			return ""
		}
	}
	return s.reason
}

// Path is the fallback file's path.
func (s *Store) Path() string { return s.path }

// Set stores secret under account and says where it went: the keyring if
// it takes it, otherwise the file.
func (s *Store) Set(account, secret string) (Where, error) {
	if account == "" {
		return "", ErrNoAccount
	}
	if len(secret) > MaxSecretLen {
		return "", fmt.Errorf("store %q: %w: %d bytes, at most %d are accepted", account, ErrTooLong, len(secret), MaxSecretLen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.kr != nil {
		err := s.call(func(k Keyring) error { return k.Set(s.service, account, secret) })
		if err == nil {
			// The keyring holds the newest copy now; drop any older one from the file.
			if ferr := s.removeFromFile(account); ferr != nil {
				s.log.Warn("stored in the keyring but could not remove the old copy from the file", "account", account, "err", ferr)
			}
			return InKeyring, nil
		}
		s.log.Warn("the keyring refused a secret; it goes to the plain file", "account", account, "err", err, "path", s.path)
		if s.kr != nil { // still in use: this was a refusal, not a hang
			s.reason = fmt.Sprintf("The system keyring could not store the token (%s); it is stored in %s, readable only by your user account.", err, s.path)
		}
		if err := s.writeToFile(account, secret); err != nil {
			return "", fmt.Errorf("store %q: %w", account, err)
		}
		// Best effort: an older keyring copy would otherwise outlive this one.
		if s.kr != nil {
			if derr := s.call(func(k Keyring) error { return k.Delete(s.service, account) }); derr != nil && !errors.Is(derr, keyring.ErrNotFound) {
				s.log.Warn("could not remove the old keyring copy", "account", account, "err", derr)
			}
		}
		return InFile, nil
	}
	if err := s.writeToFile(account, secret); err != nil {
		return "", fmt.Errorf("store %q: %w", account, err)
	}
	return InFile, nil
}

// Get returns the secret stored under account and where it was found, or
// an error wrapping ErrNotFound. The file is read first: an account is in
// the file only if its latest Set went there.
func (s *Store) Get(account string) (string, Where, error) {
	if account == "" {
		return "", "", ErrNoAccount
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	m, ferr := s.readFile()
	if ferr == nil {
		if v, ok := m[account]; ok {
			return v, InFile, nil
		}
	} else {
		s.log.Error("cannot read the secrets file", "path", s.path, "err", ferr)
	}
	if s.kr != nil {
		var v string
		err := s.call(func(k Keyring) (err error) { v, err = k.Get(s.service, account); return err })
		if err == nil {
			return v, InKeyring, nil
		}
		if !errors.Is(err, keyring.ErrNotFound) {
			return "", "", fmt.Errorf("read %q from the keyring: %w", account, err)
		}
	}
	if ferr != nil {
		return "", "", fmt.Errorf("read %q: %w", account, ferr)
	}
	return "", "", fmt.Errorf("read %q: %w", account, ErrNotFound)
}

// Delete removes account's secret from the keyring and the file. Deleting
// an account that has no secret is not an error.
func (s *Store) Delete(account string) error {
	if account == "" {
		return ErrNoAccount
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	var errs []error
	if s.kr != nil {
		err := s.call(func(k Keyring) error { return k.Delete(s.service, account) })
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			errs = append(errs, fmt.Errorf("delete %q from the keyring: %w", account, err))
		}
	}
	if err := s.removeFromFile(account); err != nil {
		errs = append(errs, fmt.Errorf("delete %q: %w", account, err))
	}
	return errors.Join(errs...)
}
