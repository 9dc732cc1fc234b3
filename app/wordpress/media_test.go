package wordpress

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exif reads IPTC and XMP captions from a JPEG with exiftool.
func exif(t testing.TB, data []byte) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "served.jpg")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("exiftool", "-j", "-IPTC:Caption-Abstract", "-IPTC:ObjectName", "-IPTC:By-line", "-XMP:Description", "-XMP:AltTextAccessibility", path).Output()
	if err != nil {
		t.Fatalf("exiftool: %v", err)
	}
	var res []map[string]any
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		t.Fatalf("exiftool output %s: %v", out, err)
	}
	return res[0]
}

func TestMediaUpload(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	caption := "Gubernur Jawa Barat meninjau jembatan, Bandung, Rabu (21/8/2019). (Foto: Masran Rauf)"
	ph := d.photo("DSC_0042.JPG", 1, map[string]string{"caption": caption, "title": "Peninjauan jembatan"}, "Masran Rauf")
	p := d.publisher()
	data, _, err := p.render(ph.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, "author")
	var sent int64
	m, err := c.UploadMedia(ctx, mediaFile(ph), mediaSlug(ph.ID), data, func(n int64) { sent = n })
	if err != nil {
		t.Fatal(err)
	}
	if sent != int64(len(data)) {
		t.Errorf("progress ended at %d of %d bytes", sent, len(data))
	}
	if m.ID == 0 || m.Slug != mediaSlug(ph.ID) || !strings.HasSuffix(m.SourceURL, mediaFile(ph)) || m.MimeType != "image/jpeg" {
		t.Errorf("uploaded = %+v", m)
	}
	// WordPress read the title and caption from the file's IPTC itself.
	if m.Title.Raw != "Peninjauan jembatan" || m.Caption.Raw != caption {
		t.Errorf("WordPress's own reading: title %q caption %q", m.Title.Raw, m.Caption.Raw)
	}

	f := mediaFieldsOf(ph)
	if f.AltText != "Gubernur Jawa Barat meninjau jembatan, Bandung, Rabu (21/8/2019)." || f.Description != caption {
		t.Errorf("fields = %+v", f)
	}
	if _, err := c.UpdateMedia(ctx, m.ID, f); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetMedia(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title.Raw != f.Title || got.Caption.Raw != f.Caption || got.AltText != f.AltText || got.Description.Raw != f.Description {
		t.Errorf("read back %+v, want %+v", got, f)
	}
	found, ok, err := c.FindMedia(ctx, mediaSlug(ph.ID))
	if err != nil || !ok || found.ID != m.ID {
		t.Errorf("FindMedia = %+v %v %v", found.ID, ok, err)
	}
	if _, ok, err := c.FindMedia(ctx, "warta-no-such-photo"); ok || err != nil {
		t.Errorf("FindMedia of nothing = %v %v", ok, err)
	}

	// WordPress 6.1's media search matches the file name too (the REST
	// controller turns wp_allow_query_attachment_by_filename on for it):
	// the photo id is only in the file name.
	var hits []Media
	if st := rest(t, "GET", "/wp/v2/media", "search="+strings.ToLower(ph.ID)+"&context=edit", nil, &hits); st != 200 || len(hits) != 1 || hits[0].ID != m.ID {
		t.Errorf("search by file name: %d %d hits", st, len(hits))
	}

	// The file WordPress serves carries the captions.
	x := exif(t, download(t, got.SourceURL))
	if x["Caption-Abstract"] != caption || x["Description"] != caption || x["By-line"] != "Masran Rauf" || x["ObjectName"] != "Peninjauan jembatan" {
		t.Errorf("exiftool on the served file: %v", x)
	}

	// A contributor may not upload.
	if _, err := client(t, "contributor").UploadMedia(ctx, "x.jpg", "", data, nil); CodeOf(err) != CodeNoRights {
		t.Errorf("contributor upload: %v, want noRights", err)
	}
}

// TestAdoptUnfinishedUpload: an upload whose request ended while WordPress
// was still making the image sizes (the attachment exists, its metadata
// does not) is adopted and finished, not uploaded again.
func TestAdoptUnfinishedUpload(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	ph := d.photo("setengah.jpg", 501, map[string]string{"caption": "Setengah jadi."})
	p := d.publisher()
	data, _, err := p.render(ph.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, "author")
	m, err := c.UploadMedia(ctx, mediaFile(ph), mediaSlug(ph.ID), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	site.PHP(t, fmt.Sprintf(`delete_post_meta( %d, '_wp_attachment_metadata' );`, m.ID))
	if got, _ := c.GetMedia(ctx, m.ID); got.MediaDetails.Width != 0 {
		t.Fatalf("metadata still there: %+v", got.MediaDetails)
	}
	// The intent was recorded, the answer never came.
	if err := d.st.PutJSON(keyMedia+"half/"+ph.ID, mediaRecord{Slug: mediaSlug(ph.ID), File: mediaFile(ph)}); err != nil {
		t.Fatal(err)
	}
	j := &Job{ID: "half/x", Account: "half"}
	img, err := p.ensureMedia(ctx, c, j, ph.ID)
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != m.ID {
		t.Errorf("adopted %d, want %d", img.ID, m.ID)
	}
	got, err := c.GetMedia(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaDetails.Width != 320 || got.Caption.Raw != "Setengah jadi." {
		t.Errorf("after adoption: %+v caption %q", got.MediaDetails, got.Caption.Raw)
	}
	if n := count(t, "attachment", mediaSlug(ph.ID)); n != 1 {
		t.Errorf("%d attachments", n)
	}
}
