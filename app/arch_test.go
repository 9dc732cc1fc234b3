package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyBridgeImportsWails keeps the layers apart: app/bridge is the one
// package in the module that knows about Wails; main.go and the rest of app/
// are plain Go.
func TestOnlyBridgeImportsWails(t *testing.T) {
	var checked int
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (rel == "frontend" || rel == "tools" || strings.HasPrefix(d.Name(), ".")) && rel != "." {
			return filepath.SkipDir // not this module's Go code
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/wailsapp/") && filepath.Dir(rel) != filepath.Join("app", "bridge") {
				t.Errorf("%s imports %s; only app/bridge may", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}
