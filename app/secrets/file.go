package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/warta-news/warta/app/fsutil"
)

// fileVersion is the format of secrets.json.
const fileVersion = 1

// fileNote is written into secrets.json so that whoever opens it knows.
const fileNote = "Warta keeps these secrets here in plain text because no system keyring was available. " +
	"Only your user account can read this file. Do not share or copy it."

type fileData struct {
	Version int               `json:"version"`
	Note    string            `json:"note"`
	Secrets map[string]string `json:"secrets"`
}

// readFile returns the file's secrets; a missing file is an empty map. A file
// that does not parse is an error wrapping ErrCorrupt, and is not touched.
// The caller holds s.mu.
func (s *Store) readFile() (map[string]string, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.path, err)
	}
	var d fileData
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		return nil, s.corrupt(err)
	}
	if dec.More() {
		return nil, s.corrupt(errors.New("extra data after the JSON object"))
	}
	if d.Version != fileVersion {
		return nil, s.corrupt(fmt.Errorf("version %d, this Warta reads version %d", d.Version, fileVersion))
	}
	if d.Secrets == nil {
		d.Secrets = map[string]string{}
	}
	return d.Secrets, nil
}

func (s *Store) corrupt(why error) error {
	return fmt.Errorf("%w: %s cannot be read (%v); it has been left as it is — "+
		"move it aside or delete it, then enter the tokens again", ErrCorrupt, s.path, why)
}

// writeFile replaces the file atomically with mode 0600. On Windows the mode
// only clears read-only; the file is private because fallbackDir is in the
// user's profile (%AppData%), whose ACL admits only that user. The caller
// holds s.mu.
func (s *Store) writeFile(m map[string]string) error {
	b, err := json.MarshalIndent(fileData{Version: fileVersion, Note: fileNote, Secrets: m}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(s.path, append(b, '\n'), 0o600)
}

// writeToFile sets one account in the file. A damaged file is an error and
// is never overwritten.
func (s *Store) writeToFile(account, secret string) error {
	m, err := s.readFile()
	if err != nil {
		return err
	}
	m[account] = secret
	return s.writeFile(m)
}

// removeFromFile drops account from the file; no file or no entry is fine,
// and the file is not rewritten then.
func (s *Store) removeFromFile(account string) error {
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	m, err := s.readFile()
	if err != nil {
		return err
	}
	if _, ok := m[account]; !ok {
		return nil
	}
	delete(m, account)
	return s.writeFile(m)
}
