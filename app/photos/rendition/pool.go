package rendition

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// DefaultInterval is the least time between two progress reports (≤ 10/s).
const DefaultInterval = 100 * time.Millisecond

// Job is one photo for a Pool.
type Job struct {
	Src     string
	Options Options
}

// FileDone is the outcome of one Job.
type FileDone struct {
	Index  int // position in the jobs slice
	Src    string
	Result Result
	Err    error // nil when both renditions were written
}

// Progress is one throttled report from Pool.Run.
type Progress struct {
	At     time.Time // when the pool made the report (reports are at least Interval apart)
	Total  int
	Done   int        // files that succeeded so far
	Failed int        // files that failed so far
	Files  []FileDone // files finished since the previous report, in finishing order
}

// Pool makes renditions for many files at once. The zero value is ready to
// use: as many workers as GOMAXPROCS, reports at most every DefaultInterval.
type Pool struct {
	Workers  int           // 0 means runtime.GOMAXPROCS(0)
	Interval time.Duration // 0 means DefaultInterval
	// OnProgress, if set, gets every finished file exactly once, batched
	// into reports at most once per Interval; the last report has
	// Done+Failed == Total unless the run was cancelled. It is never
	// called concurrently.
	OnProgress func(Progress)
	// Work, if set, is called for each job instead of Make, so that a caller
	// can wrap Make in steps of its own (copy, hash, record) and still get
	// the pool's scheduling, progress and cancel.
	Work func(ctx context.Context, j Job) (Result, error)
}

// Run makes the renditions of jobs and returns one FileDone per job, in job
// order. A failing file never stops the batch. When ctx is cancelled the
// workers stop after the file they are on, Run waits for them, and returns
// ctx.Err(); jobs never started have Err set to it.
func (p *Pool) Run(ctx context.Context, jobs []Job) ([]FileDone, error) {
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(jobs), 1))
	interval := p.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}

	out := make([]FileDone, len(jobs))
	started := make([]bool, len(jobs))
	next := make(chan int)
	done := make(chan FileDone, workers)
	work := p.Work
	if work == nil {
		work = func(ctx context.Context, j Job) (Result, error) { return Make(ctx, j.Src, j.Options) }
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := work(ctx, jobs[i])
				done <- FileDone{Index: i, Src: jobs[i].Src, Result: res, Err: err}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range jobs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()

	var (
		prog    = Progress{Total: len(jobs)}
		last    time.Time
		timer   *time.Timer
		timerC  <-chan time.Time
		pending []FileDone
	)
	emit := func() {
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
		last = time.Now()
		prog.At = last
		if p.OnProgress != nil {
			prog.Files = pending
			p.OnProgress(prog)
		}
		pending = nil
	}
	for open := true; open; {
		select {
		case fd, ok := <-done:
			if !ok {
				open = false
				break
			}
			out[fd.Index], started[fd.Index] = fd, true
			if fd.Err == nil {
				prog.Done++
			} else {
				prog.Failed++
			}
			pending = append(pending, fd)
			if wait := interval - time.Since(last); wait <= 0 {
				emit()
			} else if timer == nil {
				timer = time.NewTimer(wait)
				timerC = timer.C
			}
		case <-timerC:
			timer, timerC = nil, nil
			if wait := interval - time.Since(last); wait > 0 {
				timer = time.NewTimer(wait)
				timerC = timer.C
			} else if len(pending) > 0 {
				emit()
			}
		}
	}
	if len(pending) > 0 || last.IsZero() {
		if wait := interval - time.Since(last); !last.IsZero() && wait > 0 {
			time.Sleep(wait) // keep to the rate even for the last report
		}
		emit()
	}
	err := ctx.Err()
	for i := range out {
		if !started[i] {
			out[i] = FileDone{Index: i, Src: jobs[i].Src, Err: err}
		}
	}
	return out, err
}
