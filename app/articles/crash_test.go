package articles

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warta-news/warta/app/store"
)

const crashChildEnv = "WARTA_TEST_CRASH_CHILD"

// crashBody is the autosaved text after save n: the fixture's paragraphs,
// a marker word for n, and a tail that grows with n (modulo 300 words, so
// the store does not grow without bound over thousands of saves).
func crashBody(base []node, n int) []byte {
	words := make([]string, 0, n%300+2)
	words = append(words, fmt.Sprintf("simpanan%d", n))
	for i := range n % 300 {
		words = append(words, fmt.Sprintf("kata%d", i))
	}
	content := append(append([]node{}, base...), node{Type: "paragraph", Content: []node{{Type: "text", Text: strings.Join(words, " ")}}})
	return mustJSON(node{Type: "doc", Content: content})
}

// crashChild is the reporter typing: it opens the library in dir and
// autosaves forever, printing "ack N" after each Save returns. The parent
// kills it with SIGKILL at a random moment.
func crashChild(t *testing.T, dir string) {
	fail := func(what string, err error) {
		fmt.Printf("child-error %s: %v\n", what, err)
		os.Exit(3)
	}
	// The parent starts each child ahead of time (so that process start-up
	// overlaps the previous child's run) and says "go" when it is its turn.
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		os.Exit(0) // the parent is done
	}
	st, err := store.Open(dir, nil, store.Options{})
	if err != nil {
		fail("open", err)
	}
	l, err := New(st, nil)
	if err != nil {
		fail("library", err)
	}
	list, err := l.List(Query{})
	if err != nil {
		fail("list", err)
	}
	var a Article
	if len(list) == 0 {
		if a, err = l.Create(Article{Headline: "Simpanan 0", Body: crashBody(nil, 0)}); err != nil {
			fail("create", err)
		}
	} else if a, err = l.Get(list[0].ID); err != nil {
		fail("get", err)
	}
	base := must[*node](t)(parseDoc(fixture(t).Body)).Content
	n := savedCount(a)
	fmt.Printf("start %d %d\n", n, time.Now().UnixNano())
	for {
		n++
		a.Headline = fmt.Sprintf("Simpanan %d", n)
		a.Body = crashBody(base, n)
		if a, err = l.Save(a, n%50 == 0); err != nil {
			fail("save", err)
		}
		fmt.Printf("ack %d\n", n)
	}
}

func savedCount(a Article) int {
	var n int
	fmt.Sscanf(a.Headline, "Simpanan %d", &n)
	return n
}

// TestCrashDuringAutosave kills an autosaving process with SIGKILL at
// random moments, at least 200 times, and checks after every kill that the
// store opens and holds every save that was acknowledged.
//
// After each kill the parent reopens the store and checks that it opens,
// that the article holds at least the highest acknowledged save (and at
// most one more), with the right body, that its search index entries came
// with it (the current save's marker word is found, the previous one is
// not) and that its newest revision is that save. Every 20th kill, and at
// the end, it also checks that every derived key is consistent. The next
// child, whose first act is to open the store and report the save it
// finds ("start N"), checks the same again from another process.
//
// Three kills in four land 5–150 ms after the child has opened the library
// and begun autosaving; the fourth lands at a random moment while the
// child opens the store, as Badger replays its log (that is how the empty
// .mem file bug, dgraph-io/badger#2207, was found). Children are started
// one ahead and wait for "go", so that process start-up (slow under -race)
// overlaps the previous child's run.
func TestCrashDuringAutosave(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test: not in -short mode")
	}
	const wantKills = 200
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 2019))
	t.Logf("seed %d", seed)
	dir := t.TempDir()
	base := must[*node](t)(parseDoc(fixture(t).Body)).Content
	start := time.Now()
	// The kill count is the requirement; the deadline only stops a run that
	// cannot make progress. A loaded 2-core machine needs ~2.5 min for 200.
	deadline := start.Add(8 * time.Minute)
	kills, startupKills, acked, highest, parentChecks := 0, 0, 0, 0, 0
	var startups []time.Duration // "go" → library open in the child
	lastStartup := time.Duration(0)
	var childCPU time.Duration

	parentCheck := func(full bool) {
		t.Helper()
		st, err := store.Open(dir, nil, store.Options{})
		if err != nil {
			t.Fatalf("kill %d: store does not open: %v", kills, err)
		}
		defer func() {
			st.Close()
			// Hand the store's 64 MiB memtable arena back to the OS, so the
			// next open gets fresh pages instead of clearing reused ones.
			debug.FreeOSMemory()
		}()
		l, err := New(st, nil)
		if err != nil {
			t.Fatal(err)
		}
		list, err := l.List(Query{})
		if err != nil || len(list) > 1 {
			t.Fatalf("kill %d: list %v, %v", kills, headlines(list), err)
		}
		if len(list) == 0 {
			if highest > 0 {
				t.Fatalf("kill %d: the article is gone after save %d was acknowledged", kills, highest)
			}
			return
		}
		a, err := l.Get(list[0].ID)
		if err != nil {
			t.Fatalf("kill %d: %v", kills, err)
		}
		n := savedCount(a)
		if n < highest || n > highest+1 {
			t.Fatalf("kill %d: stored save %d, highest acknowledged %d", kills, n, highest)
		}
		if n > 0 && string(a.Body) != string(crashBody(base, n)) {
			t.Fatalf("kill %d: save %d stored with the wrong body", kills, n)
		}
		if h := headlines(must[[]Summary](t)(l.List(Query{Text: fmt.Sprintf("simpanan%d", n)}))); h != a.Headline {
			t.Fatalf("kill %d: search for save %d found %q", kills, n, h)
		}
		if n > 1 {
			if h := headlines(must[[]Summary](t)(l.List(Query{Text: fmt.Sprintf("simpanan%d", n-1)}))); h != "" {
				t.Fatalf("kill %d: the previous save's word is still indexed (%q)", kills, h)
			}
		}
		revs, err := l.Revisions(a.ID)
		if err != nil || len(revs) == 0 || revs[0].Headline != a.Headline {
			t.Fatalf("kill %d: newest revision %+v, %v", kills, revs[:min(1, len(revs))], err)
		}
		if full {
			checkConsistent(t, st)
			parentChecks++
		}
		highest = n
	}

	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		lines  chan string
		stderr *bytes.Buffer
	}
	spawn := func() *child {
		c := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestCrashDuringAutosave$", "-test.count=1"),
			lines: make(chan string, 64), stderr: &bytes.Buffer{}}
		c.cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		c.cmd.Stderr = c.stderr
		out, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				c.lines <- sc.Text()
			}
			close(c.lines)
		}()
		return c
	}
	var cur *child
	next := spawn()
	t.Cleanup(func() { // also when a check fails with a child running
		for _, c := range []*child{cur, next} {
			if c != nil && c.cmd.ProcessState == nil {
				c.cmd.Process.Kill()
				c.cmd.Wait()
			}
		}
	})
	for kills < wantKills && time.Now().Before(deadline) {
		cur = next
		next = nil
		if cur == nil {
			cur = spawn()
		}
		cmd, stderr, lines := cur.cmd, cur.stderr, cur.lines
		began := time.Now()
		if _, err := io.WriteString(cur.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
		var killAt <-chan time.Time
		inStartup := kills%4 == 3 && lastStartup > 0
		if inStartup {
			killAt = time.After(time.Duration(r.Int64N(int64(lastStartup))))
			startupKills++
		}
		handle := func(line string) {
			var n int
			switch {
			case strings.HasPrefix(line, "child-error"):
				t.Fatalf("kill %d: %s\n%s", kills, line, stderr.String())
			case strings.HasPrefix(line, "start "):
				var at int64
				fmt.Sscanf(line, "start %d %d", &n, &at)
				lastStartup = time.Unix(0, at).Sub(began)
				startups = append(startups, lastStartup)
				if n < highest || n > highest+1 {
					t.Fatalf("kill %d: the store reopened with save %d, but save %d was acknowledged", kills, n, highest)
				}
				highest = n // an unacknowledged save may have landed
				if killAt == nil {
					killAt = time.After(5*time.Millisecond + time.Duration(r.Int64N(int64(145*time.Millisecond))))
				}
				if next == nil && kills+1 < wantKills {
					next = spawn() // starts up while this one autosaves
				}
			case strings.HasPrefix(line, "ack "):
				fmt.Sscanf(line, "ack %d", &n)
				if n != highest+1 {
					t.Fatalf("kill %d: ack %d after save %d", kills, n, highest)
				}
				highest = n
				acked++
			}
		}
		hung := time.After(30 * time.Second)
	wait:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("kill %d: the child ended by itself\n%s", kills, stderr.String())
				}
				handle(line)
			case <-killAt:
				break wait
			case <-hung:
				cmd.Process.Kill()
				t.Fatalf("kill %d: the child hung", kills)
			}
		}
		cmd.Process.Kill() // SIGKILL on Unix
		cmd.Wait()
		if ps := cmd.ProcessState; ps != nil {
			childCPU += ps.UserTime() + ps.SystemTime()
		}
		for line := range lines { // what it said before it died
			handle(line)
		}
		kills++
		parentCheck(kills%20 == 0)
	}
	parentCheck(true)
	elapsed := time.Since(start)
	slices.Sort(startups)
	median := time.Duration(0)
	if len(startups) > 0 {
		median = startups[len(startups)/2]
	}
	t.Logf("FIGURE crash test: %d kills (%d during start-up), %d acknowledged saves, last save %d, %d full checks, %s total, child open median %s, children's CPU %s",
		kills, startupKills, acked, highest, parentChecks, elapsed.Round(time.Millisecond), median.Round(time.Millisecond), childCPU.Round(time.Millisecond))
	if kills < wantKills {
		t.Fatalf("only %d kills in %s, want %d", kills, elapsed.Round(time.Second), wantKills)
	}
	if acked < wantKills {
		t.Fatalf("only %d saves were acknowledged in %d runs: the child barely ran", acked, kills)
	}
}
