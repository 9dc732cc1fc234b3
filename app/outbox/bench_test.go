package outbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	sstore "github.com/warta-news/warta/server/store"
)

// BenchmarkUploadLoopback measures photo uploads over loopback against a
// raw HTTP PUT of the same bytes, side by side: every iteration sends one
// batch of n photos of about 1 MB by raw PUT and then the same amount by
// Warta's path, each timed on its own, so that both see the same machine
// (the disk's fsync latency here drifts by 2× within a minute). The raw
// reference is the simplest durable upload: one PUT after another, the
// handler writes the file and fsyncs it. Metrics: MB/s (ours), raw-MB/s,
// vs-raw (ours ÷ raw; the goal is ≥ 0.8), and vs-raw3 against three raw
// PUTs at a time, the parallelism the outbox uses.
//
// Two paths: "outbox" is the photo protocol alone, one photo after
// another (tus POST and PATCH, hashing on both sides, the blob store's
// fsyncs, the database); "outbox-run" is the batch as the app runs it: an
// article with n photos (new captions every round, so new bytes) from
// Enqueue to the end of Run: reading the rendition, embedding the
// captions, hashing, three photos at a time, the items in the store,
// progress, and the article's push.
func BenchmarkUploadLoopback(b *testing.B) {
	const n, size = 20, 1 << 20
	files := make([][]byte, n)
	for i := range files {
		files[i] = make([]byte, size)
		rand.Read(files[i])
	}
	raw := startRawPut(b)

	b.Run("outbox", func(b *testing.B) {
		s := startServer(b, nil)
		s.user("rina", sstore.RoleReporter)
		c := NewClient(s.url(), "")
		if _, err := c.Login(b.Context(), "rina", "password-rina", "bench"); err != nil {
			b.Fatal(err)
		}
		var r sideBySide
		b.ResetTimer()
		for i := range b.N {
			r.raw(raw, files, 1)
			r.raw(raw, files, 3)
			r.ours(func() {
				for j, data := range files {
					data[0], data[1] = byte(i), byte(i>>8) // new bytes every round
					sum := sha256.Sum256(data)
					u := &Upload{SHA256: hex.EncodeToString(sum[:]), Filename: fmt.Sprintf("%d.jpg", j), Data: data}
					if err := c.UploadPhoto(b.Context(), u, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		r.report(b, n*size, n*size)
	})

	b.Run("outbox-run", func(b *testing.B) {
		s := startServer(b, nil)
		s.user("rina", sstore.RoleReporter)
		d := newDesk(b, s.url())
		d.login("rina")
		jpg, jsize := benchJPEG(b, size)
		pics := &benchPics{file: jpg, size: jsize}
		var list []string
		for range n {
			id := ids.New(time.Now())
			pics.ids = append(pics.ids, id)
			list = append(list, id)
		}
		ob := New(d.st, d.client, d.arts, pics, Options{})
		var r sideBySide
		b.ResetTimer()
		for i := range b.N {
			r.raw(raw, files, 1)
			r.raw(raw, files, 3)
			pics.round.Store(int64(i))
			a := d.newArticle(fmt.Sprintf("Bench %d", i), list...)
			r.ours(func() {
				if err := ob.Enqueue([]string{a.ID}); err != nil {
					b.Fatal(err)
				}
				if err := ob.Run(b.Context(), func(Progress) {}); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.StopTimer()
		wantAll(b, ob, StateDone)
		r.report(b, n*jsize, n*size)
	})
}

// rawPut is the reference: an HTTP server that writes each PUT's body to a
// file and fsyncs it.
type rawPut struct {
	url  string
	seq  atomic.Int64
	fail func(args ...any)
}

func startRawPut(b *testing.B) *rawPut {
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
	b.Cleanup(func() { hs.Close() })
	return &rawPut{url: "http://" + ln.Addr().String(), fail: b.Fatal}
}

// put sends files, par at a time.
func (p *rawPut) put(files [][]byte, par int) {
	var wg sync.WaitGroup
	next := make(chan []byte)
	for range par {
		wg.Go(func() {
			for data := range next {
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/%d", p.url, p.seq.Add(1)), bytes.NewReader(data))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					p.fail(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					p.fail(res.Status)
					return
				}
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
}

// sideBySide adds up the time of the raw rounds and of ours.
type sideBySide struct{ raw1, raw3, our time.Duration }

func (s *sideBySide) raw(p *rawPut, files [][]byte, par int) {
	t := time.Now()
	p.put(files, par)
	if par == 1 {
		s.raw1 += time.Since(t)
	} else {
		s.raw3 += time.Since(t)
	}
}

func (s *sideBySide) ours(f func()) {
	t := time.Now()
	f()
	s.our += time.Since(t)
}

// report: ourBytes and rawBytes were sent per round.
func (s *sideBySide) report(b *testing.B, ourBytes, rawBytes int) {
	b.StopTimer()
	mbs := func(bytes int, d time.Duration) float64 {
		return float64(bytes) * float64(b.N) / max(d, time.Nanosecond).Seconds() / 1e6
	}
	ours, raw1, raw3 := mbs(ourBytes, s.our), mbs(rawBytes, s.raw1), mbs(rawBytes, s.raw3)
	b.ReportMetric(ours, "MB/s")
	b.ReportMetric(raw1, "raw-MB/s")
	b.ReportMetric(ours/raw1, "vs-raw")
	b.ReportMetric(ours/raw3, "vs-raw3")
}

// benchPics is a photo library whose photos are all one JPEG file with
// captions that change every round.
type benchPics struct {
	file  string
	size  int
	ids   []string
	round atomic.Int64
}

func (p *benchPics) Get(id string) (photos.Photo, error) {
	return photos.Photo{ID: id, Name: id + ".jpg", Format: "jpeg", Bytes: int64(p.size),
		Fields: jpegmeta.Fields{Caption: fmt.Sprintf("Foto %s, putaran %d", id, p.round.Load())}}, nil
}

func (p *benchPics) File(id, kind string) (string, error) { return p.file, nil }

// benchJPEG writes a noise JPEG of about size bytes and returns its path
// and size.
func benchJPEG(b *testing.B, size int) (string, int) {
	w := int(math.Sqrt(float64(size)))
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	rand.Read(img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "bench.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return p, buf.Len()
}
