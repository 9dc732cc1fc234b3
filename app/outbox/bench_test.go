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
	"sync/atomic"
	"testing"
	"time"

	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
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

	// The outbox as the app runs it: an article with n photos of about
	// 1 MB each (new captions every round, so new bytes), from Enqueue to
	// the end of Run: rendering, hashing, the items in the store, progress.
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
		b.SetBytes(int64(n * jsize))
		b.ResetTimer()
		for i := range b.N {
			pics.round.Store(int64(i))
			a := d.newArticle(fmt.Sprintf("Bench %d", i), list...)
			if err := ob.Enqueue([]string{a.ID}); err != nil {
				b.Fatal(err)
			}
			if err := ob.Run(b.Context(), func(Progress) {}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		wantAll(b, ob, StateDone)
		report(b, n*jsize)
	})
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
