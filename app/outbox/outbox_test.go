package outbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"testing"

	"github.com/warta-news/warta/app/photos"
	"github.com/warta-news/warta/app/photos/jpegmeta"
	sstore "github.com/warta-news/warta/server/store"
)

// checkPhotos: every photo item is done and its blob on the server is the
// bytes the outbox sends, captions included.
func checkPhotos(t *testing.T, s *server, d *desk, ob *Outbox) int {
	t.Helper()
	items, _ := ob.Items()
	n := 0
	for _, it := range items {
		if it.Kind != KindPhoto {
			continue
		}
		n++
		want, p, err := ob.render(it.LocalID)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(want)
		if hex.EncodeToString(sum[:]) != it.SHA256 {
			t.Errorf("photo %s: item sha %s is not the sha of its bytes", it.LocalID, it.SHA256)
		}
		got, err := os.ReadFile(s.blobs.Path(it.SHA256))
		if err != nil {
			t.Fatalf("blob of photo %s: %v", it.LocalID, err)
		}
		gs := sha256.Sum256(got)
		if gs != sum {
			t.Errorf("photo %s: blob sha differs from the bytes sent", it.LocalID)
		}
		f, err := jpegmeta.Read(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		if f.Caption != p.Fields.Caption {
			t.Errorf("photo %s: uploaded caption %q, want %q", it.LocalID, f.Caption, p.Fields.Caption)
		}
	}
	return n
}

func TestHappyPath(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	d := newDesk(t, s.url())
	d.login("rina")
	if v, err := d.client.Health(t.Context()); err != nil || v != "test" {
		t.Fatalf("health %q %v", v, err)
	}
	ph := d.importPhotos(fixture("IPTC-PhotometadataRef-Std2021.1.jpg"), fixture("metadata-extractor-simple.jpg"), fixture("nikon-d2h-gps-xmp.jpg"))
	if _, err := d.pics.Apply(ph[1:2], []photos.Change{{Field: "caption", Text: "Menteri Sosial membuka Rakornas"}}); err != nil {
		t.Fatal(err)
	}
	a := d.newArticle("Rakornas Kehumasan", ph[0], ph[1])
	b := d.newArticle("Banjir Jakarta", ph[2], ph[1])
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID, b.ID}); err != nil {
		t.Fatal(err)
	}
	var reports int
	var last Progress
	if err := ob.Run(t.Context(), func(p Progress) { reports++; last = p }); err != nil {
		t.Fatal(err)
	}
	wantAll(t, ob, StateDone)
	for _, id := range []string{a.ID, b.ID} {
		sa := s.article(id)
		if sa.Rev != 1 || !sa.Complete {
			t.Errorf("server article %s: rev %d complete %v", id, sa.Rev, sa.Complete)
		}
	}
	if n := checkPhotos(t, s, d, ob); n != 3 {
		t.Errorf("%d photo items, want 3", n)
	}
	if s.blobCount() != 3 {
		t.Errorf("%d blobs, want 3", s.blobCount())
	}
	if reports == 0 || last.Done != 5 || last.BytesDone != last.BytesTotal {
		t.Errorf("%d reports, last %+v", reports, last)
	}
	ch, err := d.client.Changes(t.Context(), "")
	if err != nil || len(ch.Changes) != 2 {
		t.Errorf("changes %d %v", len(ch.Changes), err)
	}
}

// faultProxy forwards 127.0.0.1 connections to target and cuts each one
// after 256 KB–1 MB sent towards the server (photos go three at a time,
// each connection carrying a share of the batch).
func faultProxy(t *testing.T, target string) (addr string, cuts *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cuts = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				limit := int64(256<<10 + rand.IntN(768<<10))
				go func() { io.Copy(c, up); c.Close() }()
				n, _ := io.CopyN(up, c, limit)
				if n == limit {
					cuts.Add(1)
				}
			}()
		}
	}()
	return ln.Addr().String(), cuts
}

func TestFaultProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.user("rina", sstore.RoleReporter)
	addr, cuts := faultProxy(t, s.addr)
	d := newDesk(t, "http://"+addr)
	d.login("rina")
	ph := d.importPhotos(noiseJPEGs(t, 100, 1)...)
	a := d.newArticle("Seratus foto", ph...)
	ob := d.outbox(fast)
	if err := ob.Enqueue([]string{a.ID}); err != nil {
		t.Fatal(err)
	}
	run(t, ob)
	wantAll(t, ob, StateDone)
	if n := s.blobCount(); n != 100 {
		t.Errorf("%d blobs, want 100", n)
	}
	if sa := s.article(a.ID); sa.Rev != 1 || !sa.Complete {
		t.Errorf("article rev %d complete %v", sa.Rev, sa.Complete)
	}
	checkPhotos(t, s, d, ob)
	items, _ := ob.Items()
	var total int64
	for _, it := range items {
		if it.Kind == KindPhoto {
			total += it.BytesTotal
		}
	}
	t.Logf("100 photos, %d bytes; %d connections cut; %d bytes sent, %d re-sent", total, cuts.Load(), d.client.BytesSent(), d.client.BytesSent()-total)
	if cuts.Load() == 0 {
		t.Error("the proxy never cut a connection")
	}
}
