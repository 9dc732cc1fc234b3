package paths

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultDataDir(t *testing.T) {
	home := func() (string, error) { return "/home/ani", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name, goos string
		env        map[string]string
		home       func() (string, error)
		want       string
		wantErr    bool
	}{
		{"linux default", "linux", nil, home, "/home/ani/.local/share/warta", false},
		{"linux xdg", "linux", map[string]string{"XDG_DATA_HOME": "/data/x"}, home, "/data/x/warta", false},
		{"linux relative xdg ignored", "linux", map[string]string{"XDG_DATA_HOME": "rel"}, home, "/home/ani/.local/share/warta", false},
		{"linux no home", "linux", nil, noHome, "", true},
		{"windows", "windows", map[string]string{"AppData": `C:\Users\ani\AppData\Roaming`}, home, filepath.Join(`C:\Users\ani\AppData\Roaming`, "Warta"), false},
		{"windows no appdata", "windows", nil, home, "", true},
		{"darwin", "darwin", nil, home, "/home/ani/Library/Application Support/Warta", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := defaultDataDir(tc.goos, env(tc.env), tc.home)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPrepareHonoursOverride(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "warta")
	t.Setenv(EnvDataDir, dir)
	l, err := Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if l.Root != dir {
		t.Fatalf("root %q, want %q", l.Root, dir)
	}
	fi, err := os.Stat(l.Logs())
	if err != nil || !fi.IsDir() {
		t.Fatalf("logs folder not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Fatalf("logs folder mode %o, want 700", perm)
	}
}
