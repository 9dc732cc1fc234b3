package wordpress

import (
	"context"
	"encoding/json"
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
