package wordpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/photos"
)

// unique makes names distinct between tests and runs (one site is shared).
func unique(s string) string { return fmt.Sprintf("%s %d", s, time.Now().UnixNano()%1e9) }

func (d *desk) postRecord(account, articleID string) postRecord {
	d.t.Helper()
	var r postRecord
	if err := d.st.GetJSON(keyPost+account+"/"+articleID, &r); err != nil {
		d.t.Fatal(err)
	}
	return r
}

func (d *desk) mediaRecord(account, photoID string) mediaRecord {
	d.t.Helper()
	var r mediaRecord
	if err := d.st.GetJSON(keyMedia+account+"/"+photoID, &r); err != nil {
		d.t.Fatal(err)
	}
	return r
}

// setFigures replaces the article's body with a paragraph and figures.
func (d *desk) setFigures(id string, figs []figure, edit func(*articles.Article)) articles.Article {
	d.t.Helper()
	a, err := d.arts.Get(id)
	if err != nil {
		d.t.Fatal(err)
	}
	content := []any{map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": "Gubernur meresmikan jembatan baru di kota & sekitarnya."}}}}
	for _, f := range figs {
		content = append(content, map[string]any{"type": "figure", "attrs": map[string]any{"src": "warta-photo:" + f.photoID, "alt": f.alt},
			"content": []any{map[string]any{"type": "text", "text": f.caption}}})
	}
	a.Body, _ = json.Marshal(map[string]any{"type": "doc", "content": content})
	if edit != nil {
		edit(&a)
	}
	a, err = d.arts.Save(a, false)
	if err != nil {
		d.t.Fatal(err)
	}
	return a
}

// sitePost reads a post as the admin (context=edit).
func sitePost(t testing.TB, id int) Post {
	t.Helper()
	p, err := client(t, "admin").GetPost(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var figureRE = regexp.MustCompile(`<figure class="wp-block-image"><img src="([^"]*)" alt="([^"]*)" class="wp-image-(\d+)" /><figcaption>([^<]*)</figcaption></figure>`)

type siteFigure struct {
	src, alt string
	id       int
	caption  string
}

func figuresOf(content string) []siteFigure {
	var out []siteFigure
	for _, m := range figureRE.FindAllStringSubmatch(content, -1) {
		id, _ := strconv.Atoi(m[3])
		out = append(out, siteFigure{src: html.UnescapeString(m[1]), alt: html.UnescapeString(m[2]), id: id, caption: html.UnescapeString(m[4])})
	}
	return out
}

// termIDs maps term names to ids as the site has them.
func termIDs(t testing.TB, taxonomy string, names ...string) []int {
	t.Helper()
	var ids []int
	for _, n := range names {
		tm, ok, err := client(t, "admin").FindTerm(context.Background(), taxonomy, n)
		if err != nil || !ok {
			t.Fatalf("%s %q not on the site: %v", taxonomy, n, err)
		}
		ids = append(ids, tm.ID)
	}
	return ids
}

// TestPublishArticleWithPhotos is the test: an article with three
// captioned photos, published, read back through the REST API, every field
// compared; then re-published with a changed caption and a fourth photo.
func TestPublishArticleWithPhotos(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	const acct = "humas-1"
	caps := []string{
		"Gubernur Jawa Barat meresmikan jembatan, Bandung, Rabu (21/8/2019). (Foto: Masran Rauf)",
		"Warga melintasi jembatan baru, Bandung, Rabu (21/8/2019). (Foto: Masran Rauf)",
		"Pemotongan pita oleh Gubernur & Wali Kota, Bandung, Rabu (21/8/2019). (Foto: Dewi)",
	}
	var phs []photos.Photo
	for i, c := range caps {
		f := map[string]string{"caption": c, "headline": fmt.Sprintf("Jembatan %d", i+1)}
		if i == 1 {
			f["altText"] = "Warga berjalan di atas jembatan gantung berwarna merah"
		}
		phs = append(phs, d.photo(fmt.Sprintf("IMG_%04d.JPG", i+1), uint64(i+10), f, "Masran Rauf"))
	}
	category, tags := unique("Pemerintahan"), []string{"Jembatan", unique("Infrastruktur")}
	figs := []figure{{phs[0].ID, "", caps[0]}, {phs[1].ID, "Jembatan dari udara", caps[1]}, {phs[2].ID, "", caps[2]}}
	headline := unique("Gubernur Resmikan Jembatan Baru")
	a := d.article(headline, "Jembatan sepanjang 120 meter menghubungkan dua kecamatan.", figs, category, tags...)

	p := d.publisher()
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	var reports []Progress
	c := client(t, "editor")
	if err := p.Run(ctx, clients(c), func(pr Progress) { reports = append(reports, pr) }); err != nil {
		t.Fatal(err)
	}
	j := job(t, p, acct, a.ID)
	wantState(t, j, StateDone)
	if j.PostID == 0 || j.Link == "" || j.PostStatus != StatusDraft || j.PhotosDone != 3 || j.BytesDone != j.BytesTotal || j.BytesTotal == 0 {
		t.Errorf("job = %+v", j)
	}
	last := reports[len(reports)-1]
	if last.Done != 1 || last.Total != 1 || last.BytesDone != last.BytesTotal {
		t.Errorf("last progress = %+v", last)
	}

	post := sitePost(t, j.PostID)
	if post.Title.Raw != headline || post.Excerpt.Raw != "Jembatan sepanjang 120 meter menghubungkan dua kecamatan." || post.Status != "draft" {
		t.Errorf("post title %q excerpt %q status %s", post.Title.Raw, post.Excerpt.Raw, post.Status)
	}
	if !strings.HasPrefix(post.Content.Raw, "<p>Jakarta, Humas – Gubernur meresmikan jembatan <strong>baru</strong> di kota &amp; sekitarnya.</p>") {
		t.Errorf("content does not open with the dateline: %s", post.Content.Raw)
	}
	if !strings.Contains(post.Content.Raw, "<p>Pewarta: Siti Rahma/Budi<br>Editor: Andi</p>") {
		t.Errorf("no credits in %s", post.Content.Raw)
	}
	if strings.Contains(post.Content.Raw, "<h1") || strings.Contains(post.Content.Raw, "warta-photo:") {
		t.Errorf("h1 or local photo references in content: %s", post.Content.Raw)
	}
	if !slices.Equal(post.Categories, termIDs(t, Categories, category)) {
		t.Errorf("categories %v", post.Categories)
	}
	wantTags := termIDs(t, Tags, tags...)
	if !slices.Equal(slices.Sorted(slices.Values(post.Tags)), slices.Sorted(slices.Values(wantTags))) {
		t.Errorf("tags %v, want %v", post.Tags, wantTags)
	}
	figsOnSite := figuresOf(post.Content.Raw)
	if len(figsOnSite) != 3 {
		t.Fatalf("%d figures in %s", len(figsOnSite), post.Content.Raw)
	}
	admin := client(t, "admin")
	for i, ph := range phs {
		rec := d.mediaRecord(acct, ph.ID)
		if post.FeaturedMedia != d.mediaRecord(acct, phs[0].ID).ID {
			t.Errorf("featured media %d", post.FeaturedMedia)
		}
		m, err := admin.GetMedia(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		f := figsOnSite[i]
		wantAlt := figs[i].alt
		if wantAlt == "" {
			wantAlt = m.AltText
		}
		if f.id != m.ID || f.src != m.SourceURL || f.alt != wantAlt || f.caption != caps[i] {
			t.Errorf("figure %d = %+v; media %d %s alt %q", i, f, m.ID, m.SourceURL, wantAlt)
		}
		fields := mediaFieldsOf(ph)
		wantDesc := caps[i]
		if i == 2 { // the credit in the caption is not the creator's
			wantDesc += "\n\nFoto: Masran Rauf"
		}
		// Captions and descriptions are HTML on the site: the text's "&" is "&amp;" there.
		if html.UnescapeString(m.Caption.Raw) != caps[i] || m.Title.Raw != fmt.Sprintf("Jembatan %d", i+1) || m.AltText != fields.AltText || html.UnescapeString(m.Description.Raw) != wantDesc {
			t.Errorf("media %d: title %q caption %q alt %q description %q", i, m.Title.Raw, m.Caption.Raw, m.AltText, m.Description.Raw)
		}
		if i == 1 && m.AltText != "Warga berjalan di atas jembatan gantung berwarna merah" {
			t.Errorf("alt text %q", m.AltText)
		}
		if i == 0 && m.AltText != "Gubernur Jawa Barat meresmikan jembatan, Bandung, Rabu (21/8/2019)." {
			t.Errorf("alt text fallback %q", m.AltText)
		}
		x := exif(t, download(t, m.SourceURL))
		if x["Caption-Abstract"] != caps[i] || x["Description"] != caps[i] || x["By-line"] != "Masran Rauf" {
			t.Errorf("exiftool on photo %d: %v", i, x)
		}
	}
	wantOneEach(t, phs...)
	rec := d.postRecord(acct, a.ID)
	if n := count(t, "post", rec.Slug); n != 1 {
		t.Errorf("%d posts", n)
	}
	if ref, ok, err := p.Published(acct, a.ID); err != nil || !ok || ref.ID != j.PostID || ref.Link != post.Link || ref.Status != "draft" {
		t.Errorf("Published = %+v %v %v", ref, ok, err)
	}
	if _, ok, err := p.Published("other", a.ID); ok || err != nil {
		t.Errorf("Published on another account = %v %v", ok, err)
	}
	if rec.Modified != post.ModifiedGMT || rec.TextHash != postTextHash(post) {
		t.Errorf("record %+v, site modified %s", rec, post.ModifiedGMT)
	}

	// Re-publish: a caption changed, a fourth photo, pending review.
	newCap := "Gubernur Jawa Barat meresmikan jembatan Cikapundung, Bandung, Rabu (21/8/2019). (Foto: Masran Rauf)"
	if _, err := d.pics.Apply([]string{phs[0].ID}, []photos.Change{{Field: "caption", Text: newCap}}); err != nil {
		t.Fatal(err)
	}
	ph4 := d.photo("IMG_0004.JPG", 40, map[string]string{"caption": "Jembatan di malam hari. (Foto: Dewi)"})
	figs[0].caption = newCap
	figs = append(figs, figure{ph4.ID, "", "Jembatan di malam hari. (Foto: Dewi)"})
	d.setFigures(a.ID, figs, nil)
	if err := p.Enqueue(acct, a.ID, PostOptions{Status: StatusPending}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	j2 := job(t, p, acct, a.ID)
	wantState(t, j2, StateDone)
	if j2.PostID != j.PostID || j2.PostStatus != StatusPending {
		t.Errorf("re-published as %d %s, want %d pending", j2.PostID, j2.PostStatus, j.PostID)
	}
	post = sitePost(t, j.PostID)
	if got := figuresOf(post.Content.Raw); len(got) != 4 || got[0].caption != newCap {
		t.Errorf("figures after re-publish: %+v", got)
	}
	m0, _ := admin.GetMedia(ctx, d.mediaRecord(acct, phs[0].ID).ID)
	if m0.Caption.Raw != newCap || m0.ID != d.mediaRecord(acct, phs[0].ID).ID {
		t.Errorf("media caption not updated: %q", m0.Caption.Raw)
	}
	wantOneEach(t, append(phs, ph4)...)
	if n := count(t, "post", rec.Slug); n != 1 {
		t.Errorf("%d posts after re-publish", n)
	}
}

// TestLostAnswers loses the answers to a media upload, a post create and
// a post update (WordPress did the work; the client never hears): the
// retries find what was made, and nothing exists twice.
func TestLostAnswers(t *testing.T) {
	d := newDesk(t)
	const acct = "lost"
	ph1 := d.photo("a.jpg", 101, map[string]string{"caption": "Foto satu. (Foto: A)"})
	ph2 := d.photo("b.jpg", 102, map[string]string{"caption": "Foto dua. (Foto: B)"})
	a := d.article(unique("Jawaban hilang"), "", []figure{{ph1.ID, "", "Foto satu."}, {ph2.ID, "", "Foto dua."}}, "")
	px := newProxy(t)
	px.lose("POST", "/wp/v2/media", 1, nil)
	px.lose("POST", "/wp/v2/posts", 1, nil)
	p := d.publisher()
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	c := px.client(t, "author")
	run(t, p, clients(c))
	j := job(t, p, acct, a.ID)
	wantState(t, j, StateDone)
	if j.Attempts != 0 {
		t.Errorf("attempts = %d after success", j.Attempts)
	}
	rec := d.postRecord(acct, a.ID)
	if n := count(t, "post", rec.Slug); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	wantOneEach(t, ph1, ph2)
	post := sitePost(t, rec.ID)
	if figs := figuresOf(post.Content.Raw); len(figs) != 2 || figs[0].id != d.mediaRecord(acct, ph1.ID).ID {
		t.Errorf("figures %+v", figs)
	}

	// An update whose answer is lost: the retry sees its own text on the
	// site, not a conflict.
	d.setFigures(a.ID, []figure{{ph1.ID, "", "Foto satu, diperbarui."}, {ph2.ID, "", "Foto dua."}}, nil)
	px.lose("POST", "/wp/v2/posts/"+strconv.Itoa(rec.ID), 1, nil)
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	wantState(t, job(t, p, acct, a.ID), StateDone)
	if figs := figuresOf(sitePost(t, rec.ID).Content.Raw); len(figs) != 2 || figs[0].caption != "Foto satu, diperbarui." {
		t.Errorf("figures after the lost update %+v", figs)
	}
	if n := count(t, "post", rec.Slug); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// TestConflict: publish, edit on the site, edit in Warta, publish → a
// conflict with both versions; each choice does what it says.
func TestConflict(t *testing.T) {
	d := newDesk(t)
	const acct = "conflict"
	a := d.article(unique("Berita konflik"), "Ringkasan", nil, "")
	p := d.publisher()
	c := client(t, "author")
	publish := func() Job {
		t.Helper()
		if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
			t.Fatal(err)
		}
		run(t, p, clients(c))
		return job(t, p, acct, a.ID)
	}
	j := publish()
	wantState(t, j, StateDone)
	id := j.PostID
	editOnSite := func(text string) {
		t.Helper()
		if st := rest(t, "POST", "/wp/v2/posts/"+strconv.Itoa(id), "", map[string]any{"content": "<p>" + text + "</p>"}, nil); st != 200 {
			t.Fatalf("site edit: %d", st)
		}
	}
	editInWarta := func(headline string) {
		t.Helper()
		a = d.setFigures(a.ID, nil, func(x *articles.Article) { x.Headline = headline })
	}

	// Edited on both sides: conflict; nothing overwritten.
	editOnSite("Diubah oleh redaktur di situs.")
	editInWarta(a.Headline + " (revisi)")
	j = publish()
	wantState(t, j, StateConflict)
	if j.ErrorCode != CodeConflict || j.Conflict == nil || !strings.Contains(j.Conflict.Site.Content, "Diubah oleh redaktur") || j.Conflict.Mine.Title != a.Headline || j.Conflict.Site.ModifiedGMT == "" {
		t.Fatalf("conflict job = %+v", j)
	}
	if got := sitePost(t, id); !strings.Contains(got.Content.Raw, "Diubah oleh redaktur") {
		t.Fatalf("the site's edit was overwritten: %s", got.Content.Raw)
	}
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil || job(t, p, acct, a.ID).State != StateConflict {
		t.Fatalf("enqueue during a conflict: %v", err)
	}
	// Mine: Warta's text goes over the site's.
	if err := p.Resolve(j.ID, ChoiceMine); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	wantState(t, job(t, p, acct, a.ID), StateDone)
	got := sitePost(t, id)
	if got.Title.Raw != a.Headline || strings.Contains(got.Content.Raw, "Diubah oleh redaktur") || !strings.Contains(got.Content.Raw, "Gubernur meresmikan") {
		t.Errorf("after mine: %q %s", got.Title.Raw, got.Content.Raw)
	}

	// Theirs: the site's text stays, and publishing the same Warta text
	// again does not overwrite it; a new edit in Warta does.
	editOnSite("Versi situs yang dipertahankan.")
	editInWarta(a.Headline + " lagi")
	j = publish()
	wantState(t, j, StateConflict)
	if err := p.Resolve(j.ID, ChoiceTheirs); err != nil {
		t.Fatal(err)
	}
	wantState(t, job(t, p, acct, a.ID), StateDone)
	wantState(t, publish(), StateDone)
	if got := sitePost(t, id); !strings.Contains(got.Content.Raw, "Versi situs yang dipertahankan") {
		t.Errorf("after theirs and a re-publish: %s", got.Content.Raw)
	}
	editInWarta(a.Headline + " final")
	wantState(t, publish(), StateDone)
	if got := sitePost(t, id); got.Title.Raw != a.Headline || strings.Contains(got.Content.Raw, "Versi situs") {
		t.Errorf("after a new Warta edit: %q %s", got.Title.Raw, got.Content.Raw)
	}

	// Cancel: failed with the conflict code; Retry asks again.
	editOnSite("Sekali lagi di situs.")
	editInWarta(a.Headline + "!")
	j = publish()
	wantState(t, j, StateConflict)
	if err := p.Resolve(j.ID, ChoiceCancel); err != nil {
		t.Fatal(err)
	}
	j = job(t, p, acct, a.ID)
	wantState(t, j, StateFailed)
	if j.ErrorCode != CodeConflict {
		t.Errorf("cancelled job = %+v", j)
	}
	if err := p.Retry(j.ID); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	wantState(t, job(t, p, acct, a.ID), StateConflict)
	if err := p.Resolve(j.ID, "both"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Resolve(both) = %v", err)
	}
	if n := count(t, "post", d.postRecord(acct, a.ID).Slug); n != 1 {
		t.Errorf("%d posts", n)
	}
}

// TestBrokenPhoto: a damaged web rendition fails the job with a clear
// per-photo error and no post; once repaired, Retry finishes without a
// second copy of what was already sent.
func TestBrokenPhoto(t *testing.T) {
	d := newDesk(t)
	const acct = "broken"
	ph1 := d.photo("utuh.jpg", 201, map[string]string{"caption": "Utuh."})
	ph2 := d.photo("rusak.jpg", 202, map[string]string{"caption": "Rusak."})
	a := d.article(unique("Foto rusak"), "", []figure{{ph1.ID, "", "Utuh."}, {ph2.ID, "", "Rusak."}}, "")
	web, _ := d.pics.File(ph2.ID, "web")
	good, err := os.ReadFile(web)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(web, []byte("this is not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := d.publisher()
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	c := client(t, "author")
	run(t, p, clients(c))
	j := job(t, p, acct, a.ID)
	wantState(t, j, StateFailed)
	if j.ErrorCode != CodePhoto || !strings.Contains(j.Error, "rusak.jpg") || j.Attempts != 1 || j.PhotosDone != 1 {
		t.Errorf("job = %+v", j)
	}
	slug := postSlug(a)
	if n := count(t, "post", slug); n != 0 {
		t.Errorf("%d posts for a failed job", n)
	}
	if n := count(t, "attachment", mediaSlug(ph1.ID)); n != 1 {
		t.Errorf("%d attachments of the good photo", n)
	}
	// Missing altogether.
	if err := os.Remove(web); err != nil {
		t.Fatal(err)
	}
	if err := p.Retry(j.ID); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	if j = job(t, p, acct, a.ID); j.State != StateFailed || j.ErrorCode != CodePhoto {
		t.Errorf("missing photo: %+v", j)
	}
	// Repaired.
	if err := os.WriteFile(web, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Retry(j.ID); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(c))
	wantState(t, job(t, p, acct, a.ID), StateDone)
	wantOneEach(t, ph1, ph2)
	if n := count(t, "post", slug); n != 1 {
		t.Errorf("%d posts", n)
	}
}

// TestKilledRun: the app dies while a photo upload is in flight (the site
// got it); a new Publisher on the reopened store finishes the job without
// duplicates.
func TestKilledRun(t *testing.T) {
	d := newDesk(t)
	const acct = "killed"
	var phs []photos.Photo
	var figs []figure
	for i := range 3 {
		ph := d.photo(fmt.Sprintf("k%d.jpg", i), uint64(300+i), map[string]string{"caption": fmt.Sprintf("Foto %d.", i)})
		phs = append(phs, ph)
		figs = append(figs, figure{ph.ID, "", fmt.Sprintf("Foto %d.", i)})
	}
	a := d.article(unique("Aplikasi mati"), "", figs, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	px := newProxy(t)
	// The second upload: WordPress stores it, then the app is killed
	// before the answer arrives.
	uploads := 0
	px.lose("POST", "/wp/v2/media", 2, func() {
		uploads++
		if uploads == 2 {
			cancel()
		}
	})
	// The first upload's answer is lost too (a plain lost answer).
	p := d.publisher()
	if err := p.Enqueue(acct, a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	err := p.Run(ctx, clients(px.client(t, "author")), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if j := job(t, p, acct, a.ID); j.State != StateQueued {
		t.Fatalf("after the kill the job is %s (%s)", j.State, j.Error)
	}

	// A SIGKILL would have left the job "sending".
	if _, err := p.update(JobID(acct, a.ID), func(j *Job) error { j.State = StateSending; return nil }); err != nil {
		t.Fatal(err)
	}
	d.reopen()
	p2 := d.publisher()
	run(t, p2, clients(client(t, "author")))
	j := job(t, p2, acct, a.ID)
	wantState(t, j, StateDone)
	wantOneEach(t, phs...)
	if n := count(t, "post", d.postRecord(acct, a.ID).Slug); n != 1 {
		t.Errorf("%d posts", n)
	}
	if figs := figuresOf(sitePost(t, j.PostID).Content.Raw); len(figs) != 3 {
		t.Errorf("figures %+v", figs)
	}
}

// TestRightsAndStatus: a contributor's upload is refused once, finally
// (no retries); an author publishes and schedules.
func TestRightsAndStatus(t *testing.T) {
	d := newDesk(t)
	ph := d.photo("hak.jpg", 401, map[string]string{"caption": "Hak akses."})
	a := d.article(unique("Hak akses"), "", []figure{{ph.ID, "", "Hak akses."}}, unique("Kategori baru"), unique("tag baru"))
	p := d.publisher()
	if err := p.Enqueue("contrib", a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "contributor")))
	j := job(t, p, "contrib", a.ID)
	wantState(t, j, StateFailed)
	if j.ErrorCode != CodeNoRights || j.Attempts != 1 {
		t.Errorf("contributor job = %+v", j)
	}

	// An author may not create the category: published without it, said so.
	if err := p.Enqueue("author", a.ID, PostOptions{Status: StatusPublish}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "author")))
	j = job(t, p, "author", a.ID)
	wantState(t, j, StateDone)
	if j.PostStatus != StatusPublish || len(j.Warnings) != 1 || !strings.Contains(j.Warnings[0], "category") {
		t.Errorf("author job = %+v", j)
	}
	post := sitePost(t, j.PostID)
	if len(post.Tags) != 1 {
		t.Errorf("tags %v", post.Tags)
	}
	// Re-publishing as a draft does not unpublish it.
	if err := p.Enqueue("author", a.ID, PostOptions{Status: StatusDraft}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "author")))
	if j = job(t, p, "author", a.ID); j.PostStatus != StatusPublish {
		t.Errorf("re-published as draft: %s", j.PostStatus)
	}

	// A contributor may not publish.
	c := d.article(unique("Kontributor"), "", nil, "")
	if err := p.Enqueue("contrib", c.ID, PostOptions{Status: StatusPublish}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "contributor")))
	if j = job(t, p, "contrib", c.ID); j.State != StateFailed || j.ErrorCode != CodeNoRights || j.Attempts != 1 {
		t.Errorf("contributor publishing: %+v", j)
	}

	// Scheduled.
	b := d.article(unique("Terjadwal"), "", nil, "")
	when := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	if err := p.Enqueue("author", b.ID, PostOptions{Status: StatusFuture}); !errors.Is(err, ErrInvalid) {
		t.Errorf("future without a date: %v", err)
	}
	if err := p.Enqueue("author", b.ID, PostOptions{Status: StatusFuture, Date: when}); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "author")))
	j = job(t, p, "author", b.ID)
	wantState(t, j, StateDone)
	post = sitePost(t, j.PostID)
	if post.Status != StatusFuture || post.DateGMT != wpDate(when) {
		t.Errorf("scheduled post: %s %s, want future %s", post.Status, post.DateGMT, wpDate(when))
	}
}

// TestRetries: a site that does not answer is retried a bounded number
// of times, then the job fails with the error and Retry starts again.
func TestRetries(t *testing.T) {
	d := newDesk(t)
	a := d.article(unique("Tak terjangkau"), "", nil, "")
	p := d.publisher()
	if err := p.Enqueue("down", a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	dead, _ := New("http://"+closedPort(t), "x", "y", nil)
	run(t, p, clients(dead))
	j := job(t, p, "down", a.ID)
	wantState(t, j, StateFailed)
	if j.Attempts != 4 || j.ErrorCode != CodeUnreachable {
		t.Errorf("job = %+v", j)
	}
	if err := p.Retry(j.ID); err != nil {
		t.Fatal(err)
	}
	run(t, p, clients(client(t, "author")))
	wantState(t, job(t, p, "down", a.ID), StateDone)
	// A job a killed run left "sending" can be removed (nothing sends it).
	if _, err := p.update(j.ID, func(j *Job) error { j.State = StateSending; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Item(j.ID); !errors.Is(err, ErrNoJob) {
		t.Errorf("removed job: %v", err)
	}
	// An account the caller cannot give a client for.
	if err := p.Enqueue("gone", a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	run(t, p, func(string) (*Client, error) { return nil, errors.New("no password in the keyring") })
	if j := job(t, p, "gone", a.ID); j.State != StateFailed || j.ErrorCode != CodeAccount {
		t.Errorf("job without a client = %+v", j)
	}
	if err := p.Enqueue("bad/account", a.ID, PostOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad account id: %v", err)
	}
}

// TestOneRunAtATime: a second Run while one works returns ErrRunning, and
// a job enqueued while the first works is sent by it.
func TestOneRunAtATime(t *testing.T) {
	d := newDesk(t)
	a := d.article(unique("Satu"), "", nil, "")
	b := d.article(unique("Dua"), "", nil, "")
	p := d.publisher()
	if err := p.Enqueue("one", a.ID, PostOptions{}); err != nil {
		t.Fatal(err)
	}
	c := client(t, "author")
	started := make(chan struct{})
	var once bool
	clientFor := func(string) (*Client, error) {
		if !once {
			once = true
			close(started)
			if err := p.Enqueue("one", b.ID, PostOptions{}); err != nil {
				t.Error(err)
			}
			if err := p.Run(context.Background(), clients(c), nil); !errors.Is(err, ErrRunning) {
				t.Errorf("second Run = %v, want ErrRunning", err)
			}
		}
		return c, nil
	}
	run(t, p, clientFor)
	<-started
	wantState(t, job(t, p, "one", a.ID), StateDone)
	wantState(t, job(t, p, "one", b.ID), StateDone)
	run(t, p, clients(c)) // nothing left: returns at once
}
