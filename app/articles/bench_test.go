package articles

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/store"
)

// percentile returns the p-th percentile (0–100) of ds in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkAutosave measures Save of a 5,000-word article, from the call
// to the article being durable on disk (Badger syncs before Save returns),
// each save changing a few words as typing does. Goal: p99 ≤ 20 ms.
func BenchmarkAutosave(b *testing.B) {
	l, _ := openLib(b, b.TempDir())
	r := rand.New(rand.NewPCG(1, 2))
	a := genArticle(r, 5000, time.Now().UTC())
	a.CreatedAt, a.UpdatedAt = time.Time{}, time.Time{}
	a, err := l.Create(a)
	if err != nil {
		b.Fatal(err)
	}
	if a.WordCount < 4900 || a.WordCount > 5100 {
		b.Fatalf("article has %d words", a.WordCount)
	}
	doc := must[*node](b)(parseDoc(a.Body))
	last := &doc.Content[len(doc.Content)-1]
	for last.Type != "paragraph" {
		doc.Content = doc.Content[:len(doc.Content)-1]
		last = &doc.Content[len(doc.Content)-1]
	}
	base := last.Content[0].Text
	var durs []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		last.Content[0].Text = base + fmt.Sprintf(" kata%d", i) // the reporter types
		a.Body = mustJSON(doc)
		start := time.Now()
		a, err = l.Save(a, false)
		durs = append(durs, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(percentile(durs, 50), "p50-ms")
	b.ReportMetric(percentile(durs, 99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the per-op figures above are the ones that matter
}

// search10k is a store of 10,000 generated articles, built once and kept
// in the temp folder between runs (building takes a while). The folder
// name carries the layout and generator version; a ready marker is
// written last.
const search10kVersion = "v1"

var search10kOnce sync.Once
var search10kDir string
var search10kErr error

func search10k(b *testing.B) string {
	search10kOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("warta-bench-10k-%s-layout%d", search10kVersion, layoutVersion))
		marker := filepath.Join(dir, "READY")
		if _, err := os.Stat(marker); err == nil {
			search10kDir = dir
			return
		}
		os.RemoveAll(dir)
		st, err := store.Open(dir, nil, store.Options{})
		if err != nil {
			search10kErr = err
			return
		}
		defer st.Close()
		l, err := New(st, nil)
		if err != nil {
			search10kErr = err
			return
		}
		r := rand.New(rand.NewPCG(10, 10000))
		at := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
		for range 20 {
			batch := make([]Article, 500)
			for i := range batch {
				at = at.Add(time.Duration(r.IntN(3600)) * time.Second)
				batch[i] = genArticle(r, 250+r.IntN(600), at)
			}
			if err := bulkLoad(l, batch); err != nil {
				search10kErr = err
				return
			}
		}
		if err := st.Close(); err != nil {
			search10kErr = err
			return
		}
		search10kErr = os.WriteFile(marker, nil, 0o644)
		search10kDir = dir
	})
	if search10kErr != nil {
		b.Fatal(search10kErr)
	}
	return search10kDir
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkSearch10k measures List with a text query over 10,000 stored
// articles (first 50 hits, newest first). Goal: p95 ≤ 50 ms. It also
// reports the library's size on disk and how long it takes to open.
func BenchmarkSearch10k(b *testing.B) {
	dir := search10k(b)
	diskMB := float64(dirSize(dir)) / (1 << 20) // closed: what the user's disk holds
	start := time.Now()
	st, err := store.Open(dir, nil, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l, err := New(st, nil)
	if err != nil {
		b.Fatal(err)
	}
	openMs := float64(time.Since(start)) / float64(time.Millisecond)
	if all, err := l.List(Query{}); err != nil || len(all) != 10000 {
		b.Fatalf("library has %d articles, %v", len(all), err)
	}
	queries := []string{
		"gaptek", "rapat koordinasi", "Gorontalo", "kesejahteraan sosial", "bantuan langsung tunai",
		"pelayanan publik jakarta", "akselerasi", "vali", "kemiskinan data", "festival budaya",
		"pem", "banjir relawan manado", "inflasi harga beras", "zona integritas", "DIGITAL inovasi",
		"koperasi", "puskesmas", "sosialisasi", "Ambon", "aplikasi daring",
	}
	var durs []time.Duration
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := Query{Text: queries[i%len(queries)], Limit: 50}
		t0 := time.Now()
		res, err := l.List(q)
		durs = append(durs, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		hits += len(res)
	}
	b.StopTimer()
	if hits == 0 {
		b.Fatal("no query found anything")
	}
	b.ReportMetric(percentile(durs, 50), "p50-ms")
	b.ReportMetric(percentile(durs, 95), "p95-ms")
	b.ReportMetric(diskMB, "disk-MB")
	b.ReportMetric(openMs, "open-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSearch10kEachQuery reports every query's time on its own, to see
// which kind of query is slow.
func BenchmarkSearch10kEachQuery(b *testing.B) {
	dir := search10k(b)
	l, _ := openLib(b, dir)
	for _, q := range []string{"gaptek", "kemiskinan data", "pem", "vali", "pelayanan publik jakarta", "ke", "a"} {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			var durs []time.Duration
			n := 0
			for b.Loop() {
				t0 := time.Now()
				res, err := l.List(Query{Text: q, Limit: 50})
				durs = append(durs, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				n = len(res)
			}
			b.ReportMetric(percentile(durs, 50), "p50-ms")
			b.ReportMetric(float64(n), "hits")
		})
	}
}
