package articles

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestWordPressHTML(t *testing.T) {
	text := func(s string, marks ...string) map[string]any {
		n := map[string]any{"type": "text", "text": s}
		var ms []any
		for _, m := range marks {
			ms = append(ms, map[string]any{"type": m})
		}
		if ms != nil {
			n["marks"] = ms
		}
		return n
	}
	fig := func(src, alt, caption string) map[string]any {
		return map[string]any{"type": "figure", "attrs": map[string]any{"src": src, "alt": alt}, "content": []any{text(caption)}}
	}
	const p1, p2 = "01hx0000000000000000000001", "01hx0000000000000000000002"
	body, _ := json.Marshal(map[string]any{"type": "doc", "content": []any{
		map[string]any{"type": "paragraph", "content": []any{text("Menteri "), text("membuka", "bold"), text(" rapat <kerja> & diskusi.")}},
		fig("warta-photo:"+p1, "", `Menteri "membuka" rapat. (Foto: Dewi)`),
		map[string]any{"type": "heading", "attrs": map[string]any{"level": 2}, "content": []any{text("Hasil")}},
		map[string]any{"type": "blockquote", "content": []any{fig("warta-photo:"+p2, "Peserta rapat", "Peserta.")}},
		fig("data:image/png;base64,iVBORw0KGgo=", "", "Tempelan."),
		fig("warta-photo:"+p1, "", "Lagi."),
		fig("warta-photo:01hx0000000000000000000009", "", ""),
	}})
	a := Article{ID: "x", Headline: "Judul", Subheadline: "Sub", Body: body,
		Dateline: Dateline{Place: "Jakarta", Agency: "Humas"}, Reporters: []string{"Siti", "Budi"}, Editor: "Andi"}
	images := map[string]WPImage{
		p1: {ID: 11, URL: "https://humas.example.go.id/wp-content/uploads/2026/11/a.jpg?x=1&y=2", Alt: "Menteri membuka rapat"},
		p2: {ID: 12, URL: "https://humas.example.go.id/wp-content/uploads/2026/11/b.jpg", Alt: "tidak dipakai"},
	}
	got, err := WordPressHTML(a, func(id string) (WPImage, bool) { im, ok := images[id]; return im, ok })
	if err != nil {
		t.Fatal(err)
	}
	want := `<p>Jakarta, Humas – Menteri <strong>membuka</strong> rapat &lt;kerja&gt; &amp; diskusi.</p>
<figure class="wp-block-image"><img src="https://humas.example.go.id/wp-content/uploads/2026/11/a.jpg?x=1&amp;y=2" alt="Menteri membuka rapat" class="wp-image-11" /><figcaption>Menteri &quot;membuka&quot; rapat. (Foto: Dewi)</figcaption></figure>
<h2>Hasil</h2>
<blockquote>
<figure class="wp-block-image"><img src="https://humas.example.go.id/wp-content/uploads/2026/11/b.jpg" alt="Peserta rapat" class="wp-image-12" /><figcaption>Peserta.</figcaption></figure>
</blockquote>
<figure class="wp-block-image"><figcaption>Tempelan.</figcaption></figure>
<figure class="wp-block-image"><img src="https://humas.example.go.id/wp-content/uploads/2026/11/a.jpg?x=1&amp;y=2" alt="Menteri membuka rapat" class="wp-image-11" /><figcaption>Lagi.</figcaption></figure>
<p>Pewarta: Siti/Budi<br>Editor: Andi</p>
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "Judul") || strings.Contains(got, "<h1") || strings.Contains(got, "Sub") {
		t.Error("the headline or subheadline is in the content")
	}
	if ids := PhotoIDs(a); !slices.Equal(ids, []string{p1, p2, "01hx0000000000000000000009"}) {
		t.Errorf("PhotoIDs = %v", ids)
	}
	// No body, no dateline: empty content; a dateline alone stands alone.
	if got, _ := WordPressHTML(Article{}, nil); got != "" {
		t.Errorf("empty article: %q", got)
	}
	if got, _ := WordPressHTML(Article{Dateline: Dateline{Place: "Medan"}}, nil); got != "<p>Medan –</p>\n" {
		t.Errorf("dateline only: %q", got)
	}
}
