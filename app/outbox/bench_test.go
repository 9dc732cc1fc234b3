package outbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	sstore "github.com/warta-news/warta/server/store"
)

// BenchmarkUploadLoopback sends 20 photos of 1 MB through the whole photo
// path (HEAD, tus POST, PATCHes, hashing, blob store with fsync, database)
// over loopback, beside raw HTTP PUTs of the same bytes to a handler that
// writes and fsyncs a file.
func BenchmarkUploadLoopback(b *testing.B) {
	const n, size = 20, 1 << 20
	files := make([][]byte, n)
	for i := range files {
		files[i] = make([]byte, size)
		rand.Read(files[i])
	}

	b.Run("raw-put", func(b *testing.B) {
		dir := b.TempDir()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Create(filepath.Join(dir, filepath.Base(r.URL.Path)))
			if err == nil {
				_, err = io.Copy(f, r.Body)
				if err == nil {
					err = f.Sync()
				}
				f.Close()
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.WriteHeader(http.StatusCreated)
		})}
		go hs.Serve(ln)
		defer hs.Close()
		b.SetBytes(n * size)
		b.ResetTimer()
		for i := range b.N {
			for j, data := range files {
				req, _ := http.NewRequest("PUT", fmt.Sprintf("http://%s/%d-%d", ln.Addr(), i, j), bytes.NewReader(data))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Fatal(res.Status)
				}
			}
		}
		report(b, n*size)
	})

	b.Run("outbox", func(b *testing.B) {
		s := startServer(b, nil)
		s.user("rina", sstore.RoleReporter)
		c := NewClient(s.url(), "")
		if _, err := c.Login(b.Context(), "rina", "password-rina", "bench"); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n * size)
		b.ResetTimer()
		for i := range b.N {
			for j, data := range files {
				data[0], data[1] = byte(i), byte(i>>8) // new bytes every round
				sum := sha256.Sum256(data)
				u := &Upload{SHA256: hex.EncodeToString(sum[:]), Filename: fmt.Sprintf("%d.jpg", j), Data: data}
				if err := c.UploadPhoto(b.Context(), u, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b, n*size)
	})
}

var rawMBs float64

func report(b *testing.B, bytes int) {
	b.StopTimer()
	el := b.Elapsed()
	if el <= 0 {
		el = time.Nanosecond
	}
	mbs := float64(bytes) * float64(b.N) / el.Seconds() / 1e6
	b.ReportMetric(mbs, "MB/s")
	if b.Name() == "BenchmarkUploadLoopback/raw-put" {
		rawMBs = mbs
	} else if rawMBs > 0 {
		b.ReportMetric(mbs/rawMBs, "vs-raw")
	}
}
