package upload

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkUploadLoopback uploads a 20 MiB photo in 4 MiB tus chunks over
// loopback (real tusd handler, real blob store: the bytes are written to the
// upload file, which is then hashed, fsynced and renamed into the blob
// store) and,
// side by side, PUTs the same bytes to a handler that writes them to a file
// and fsyncs it. MB/s is the tus upload's throughput, vs-raw its fraction of
// the raw PUT's.
func BenchmarkUploadLoopback(b *testing.B) {
	const size, chunk = 20 << 20, 4 << 20
	e := newEnv(b, 0)
	c := e.client("tok-rina")
	data := randBytes(b, size)

	rawDir := b.TempDir()
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.CreateTemp(rawDir, "put-*")
		if err == nil {
			_, err = io.Copy(f, r.Body)
			if err == nil {
				err = f.Sync()
			}
			f.Close()
			os.Remove(f.Name())
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer raw.Close()
	rc := &client{url: raw.URL, hc: raw.Client()}

	var tusTime, rawTime time.Duration
	iters := 0
	for i := 0; b.Loop(); i++ {
		iters++
		b.StopTimer()
		binary.BigEndian.PutUint64(data, uint64(i)+uint64(time.Now().UnixNano())) // a new photo each time
		sha := shaOf(data)
		b.StartTimer()

		t0 := time.Now()
		r, loc, err := c.create(sha, size, "bench.jpg")
		if err != nil || r.status != 201 {
			b.Fatalf("create: %d %v", r.status, err)
		}
		r, _, err = c.send(loc, data, 0, chunk)
		if err != nil || r.header.Get(HeaderComplete) != "true" {
			b.Fatalf("upload: %d %s %v", r.status, r.body, err)
		}
		tusTime += time.Since(t0)

		t0 = time.Now()
		r, err = rc.do("PUT", "/", nil, bytes.NewReader(data))
		if err != nil || r.status != 204 {
			b.Fatalf("raw PUT: %d %v", r.status, err)
		}
		rawTime += time.Since(t0)

		b.StopTimer()
		os.Remove(e.blobs.Path(sha))
		os.RemoveAll(filepath.Join(e.data, "uploads"))
		os.MkdirAll(filepath.Join(e.data, "uploads"), 0o755)
		b.StartTimer()
	}
	n := float64(iters) * size / (1 << 20)
	b.ReportMetric(n/tusTime.Seconds(), "MB/s")
	b.ReportMetric(n/rawTime.Seconds(), "raw-MB/s")
	b.ReportMetric(rawTime.Seconds()/tusTime.Seconds(), "vs-raw")
}
