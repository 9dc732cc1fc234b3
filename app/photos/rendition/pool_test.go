package rendition

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

type progressLog struct {
	mu      sync.Mutex
	reports []Progress
	busy    bool
	overlap bool
}

func (l *progressLog) on(p Progress) {
	l.mu.Lock()
	if l.busy {
		l.overlap = true
	}
	l.busy = true
	l.reports = append(l.reports, p)
	l.mu.Unlock()
	time.Sleep(time.Millisecond)
	l.mu.Lock()
	l.busy = false
	l.mu.Unlock()
}

func TestPoolMixedBatch(t *testing.T) {
	out := t.TempDir()
	empty := filepath.Join(out, "empty.jpg")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	srcs := []string{
		"testdata/f1-exif.jpg", "testdata/huge_tag_exif.jpg", "testdata/f6-exif.jpg", empty,
		"testdata/iphone-4s-orientation6-gps.jpg", "testdata/max_uint32_exif.jpg", "testdata/f8-exif.jpg",
		bigOriented(t, 3, 10), "testdata/infinite_loop_exif.jpg", filepath.Join(out, "missing.jpg"),
	}
	wantErr := map[int]error{1: ErrCorrupt, 3: ErrEmpty, 5: ErrCorrupt, 9: os.ErrNotExist}
	var jobs []Job
	for i, s := range srcs {
		jobs = append(jobs, Job{Src: s, Options: Options{
			WebPath:   filepath.Join(out, fmt.Sprintf("%d-web.jpg", i)),
			ThumbPath: filepath.Join(out, fmt.Sprintf("%d-thumb.jpg", i)),
		}})
	}
	var log progressLog
	const interval = 30 * time.Millisecond
	p := Pool{Workers: 3, Interval: interval, OnProgress: log.on}
	res, err := p.Run(context.Background(), jobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(jobs) {
		t.Fatalf("%d results for %d jobs", len(res), len(jobs))
	}
	for i, r := range res {
		if r.Index != i || r.Src != srcs[i] {
			t.Errorf("result %d is for %d %s", i, r.Index, r.Src)
		}
		if want := wantErr[i]; want != nil {
			if !errors.Is(r.Err, want) {
				t.Errorf("%s: err %v, want %v", srcs[i], r.Err, want)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("%s: %v", srcs[i], r.Err)
			continue
		}
		readJPEG(t, jobs[i].Options.WebPath)
		readJPEG(t, jobs[i].Options.ThumbPath)
	}

	if log.overlap {
		t.Error("OnProgress called concurrently")
	}
	seen := map[int]bool{}
	for k, rep := range log.reports {
		for _, f := range rep.Files {
			if seen[f.Index] {
				t.Errorf("file %d reported twice", f.Index)
			}
			seen[f.Index] = true
		}
		if k > 0 {
			// The pool's own report times: the callback's clock would add the
			// scheduler's delays on a loaded machine.
			if gap := rep.At.Sub(log.reports[k-1].At); gap < interval {
				t.Errorf("reports %d and %d only %v apart", k-1, k, gap)
			}
		}
	}
	if len(seen) != len(jobs) {
		t.Errorf("%d files reported, want %d", len(seen), len(jobs))
	}
	final := log.reports[len(log.reports)-1]
	if final.Total != 10 || final.Done != 6 || final.Failed != 4 {
		t.Errorf("final report %d done %d failed of %d", final.Done, final.Failed, final.Total)
	}
}

func TestPoolCancel(t *testing.T) {
	src := bigOriented(t, 6, 10) // 800×400: a few ms each
	out := t.TempDir()
	var jobs []Job
	for i := range 200 {
		jobs = append(jobs, Job{Src: src, Options: Options{
			WebPath:   filepath.Join(out, fmt.Sprintf("%d-web.jpg", i)),
			ThumbPath: filepath.Join(out, fmt.Sprintf("%d-thumb.jpg", i)),
			LongEdge:  300,
			PureGo:    true,
		}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports int
	p := Pool{Workers: 2, Interval: 10 * time.Millisecond, OnProgress: func(pr Progress) {
		reports++
		if pr.Done >= 2 {
			cancel()
		}
	}}
	start := time.Now()
	res, err := p.Run(ctx, jobs)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("cancel took %v", el)
	}
	var ok, cancelled int
	for _, r := range res {
		switch {
		case r.Err == nil:
			ok++
		case errors.Is(r.Err, context.Canceled):
			cancelled++
		default:
			t.Errorf("%d: %v", r.Index, r.Err)
		}
	}
	if ok < 2 || cancelled == 0 || ok+cancelled != len(jobs) {
		t.Fatalf("%d done, %d cancelled of %d", ok, cancelled, len(jobs))
	}
	// Files not made were not written.
	for _, r := range res {
		_, statErr := os.Stat(jobs[r.Index].Options.WebPath)
		if (r.Err == nil) != (statErr == nil) {
			t.Errorf("%d: err %v but web file stat %v", r.Index, r.Err, statErr)
		}
	}
	t.Logf("%d done, %d cancelled, %d reports", ok, cancelled, reports)
}

func TestPoolEmpty(t *testing.T) {
	var calls int
	p := Pool{OnProgress: func(pr Progress) {
		calls++
		if pr.Total != 0 {
			t.Errorf("%+v", pr)
		}
	}}
	res, err := p.Run(context.Background(), nil)
	if err != nil || len(res) != 0 || calls != 1 {
		t.Fatalf("res %v err %v calls %d", res, err, calls)
	}
}
