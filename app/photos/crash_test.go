package photos

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const crashChildEnv = "WARTA_TEST_PHOTO_CRASH_CHILD"

// The importer is killed (SIGKILL) at random moments while it imports a
// batch; after each kill the library opens, is consistent (every record
// has its files, no folder without a record), keeps every photo the dead
// process reported as added, and its copies equal the sources. A last run
// finishes the batch with nothing imported twice.
func TestImportSurvivesKill(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("kills processes; skipped with -short")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "kartu")
	var paths []string
	for i := range 30 {
		paths = append(paths, writeFile(t, filepath.Join(src, fmt.Sprintf("DSC_%04d.JPG", i)), smallJPEG(t, 1200, 800, uint8(i*7))))
	}
	rounds := 8
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestImportSurvivesKill$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]bool{}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of acknowledged photos, or a random
		// moment, whichever comes first.
		want := rand.IntN(4)
		deadline := time.After(time.Duration(50+rand.IntN(400)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				if name, ok := strings.CutPrefix(l, "added "); ok {
					acked[name] = true
					if len(acked) > want {
						break wait
					}
				}
				if strings.HasPrefix(l, "child-error") {
					t.Fatal(l)
				}
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Kill()
		for range lines {
		}
		cmd.Wait()

		l, st := openLib(t, dir)
		checkConsistent(t, l)
		list, err := l.List()
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]Photo{}
		for _, p := range list {
			have[p.Name] = p
			if sha(t, filepath.Join(src, p.Name)) != p.SHA256 || sha(t, mustFile(t, l, p.ID, "original")) != p.SHA256 {
				t.Errorf("round %d: %s differs from its source", round, p.Name)
			}
		}
		for name := range acked {
			if _, ok := have[name]; !ok {
				t.Errorf("round %d: %s was reported added, then lost", round, name)
			}
		}
		t.Logf("round %d: killed after %d acks; library has %d photos", round, len(acked), len(list))
		st.Close()
	}
	l, st := openLib(t, dir)
	defer st.Close()
	res, err := l.Import(context.Background(), paths, ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added+res.Duplicates != len(paths) || res.Failed != 0 {
		t.Fatalf("final run: %+v", res)
	}
	list, _ := l.List()
	if len(list) != len(paths) {
		t.Fatalf("library has %d photos, want %d", len(list), len(paths))
	}
	checkConsistent(t, l)
}

// crashChild imports the card folder and prints "added NAME" for each
// photo as soon as the progress report says it is in.
func crashChild(dir string) {
	fail := func(what string, err error) {
		fmt.Printf("child-error %s: %v\n", what, err)
		os.Exit(3)
	}
	l, st := openLibOrExit(dir, fail)
	defer st.Close()
	_, err := l.Import(context.Background(), []string{filepath.Join(dir, "kartu")}, ImportOptions{Workers: 2}, func(p Progress) {
		for _, f := range p.Files {
			if f.Code == CodeAdded {
				fmt.Printf("added %s\n", f.Name)
			}
		}
	})
	if err != nil {
		fail("import", err)
	}
	fmt.Println("done")
	time.Sleep(time.Hour) // wait to be killed
}
