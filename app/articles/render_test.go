package articles

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestRenderFixtureGolden(t *testing.T) {
	a := fixture(t)
	body, err := HTML(a.Body)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := PublishedHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	plain, wa, md := PlainText(a.Body), WhatsApp(a), Markdown(a)
	golden(t, "rakornas.body.html", body)
	golden(t, "rakornas.published.html", pub)
	golden(t, "rakornas.txt", plain)
	golden(t, "rakornas.whatsapp.txt", wa)
	golden(t, "rakornas.md", md)

	// What the golden files must say, checked independently of them.
	checks := []struct {
		name, out string
		want      []string
	}{
		{"HTML", body, []string{
			`<figure><img src="warta-photo:rakornas-1.jpg" alt="Foto kegiatan"><figcaption>Menteri Sosial Agus Gumiwang`,
			`Rabu (21/8/2019). (Foto: Masran Rauf)</figcaption></figure>`,
			`<p>Humas pemerintah dituntut untuk mampu`, `(Foto : Istimewa)</figcaption>`,
			`<p>“Tidak boleh ada lagi petugas humas yang gaptek,`,
		}},
		{"published", pub, []string{
			"<article>\n<h1>Dari Rakornas Kehumasan Kemensos, Humas Diingatkan Tidak Gaptek</h1>\n<figure>",
			`<p><span class="dateline">Jakarta, Humas –</span> Humas pemerintah dituntut`,
			`<p class="byline">Pewarta: Asriani/Nova<br>Editor: Nova</p>` + "\n</article>",
		}},
		{"plain", plain, []string{"(Foto: Masran Rauf)\n\nHumas pemerintah dituntut", "pungkas Masran.\n\nRapat koordinasi"}},
		{"WhatsApp", wa, []string{
			"*Dari Rakornas Kehumasan Kemensos, Humas Diingatkan Tidak Gaptek*\n\n_Menteri Sosial",
			"(Foto: Masran Rauf)_\n\nJakarta, Humas – Humas pemerintah dituntut",
			"_Plt. Karo Humas", "Pewarta: Asriani/Nova\nEditor: Nova\n",
		}},
		{"Markdown", md, []string{
			"# Dari Rakornas Kehumasan Kemensos, Humas Diingatkan Tidak Gaptek\n\n![Foto kegiatan](<warta-photo:rakornas-1.jpg>)  \n_Menteri",
			"\n\nJakarta, Humas – Humas pemerintah", "Pewarta: Asriani/Nova  \nEditor: Nova\n",
		}},
	}
	for _, c := range checks {
		for _, w := range c.want {
			if !strings.Contains(c.out, w) {
				t.Errorf("%s lacks %q", c.name, w)
			}
		}
	}
	if strings.Contains(wa, "Bagikan") || strings.Contains(pub, "Pinterest") {
		t.Error("the web page's sharing links came along")
	}
	// Every word of the article survives into the plain text.
	for _, w := range []string{"gaptek", "nation branding", "34 kepala biro humas", "Gorontalo"} {
		if !strings.Contains(plain, w) {
			t.Errorf("plain text lacks %q", w)
		}
	}
}

func tt(text string, marks ...mark) node { return node{Type: "text", Text: text, Marks: marks} }
func para(c ...node) node                { return node{Type: "paragraph", Content: c} }
func d(c ...node) json.RawMessage        { return mustJSON(node{Type: "doc", Content: c}) }

var (
	bold   = mark{Type: "bold"}
	italic = mark{Type: "italic"}
)

func link(href string) mark { return mark{Type: "link", Attrs: map[string]any{"href": href}} }

func TestHTMLNodes(t *testing.T) {
	const png = "data:image/png;base64,iVBORw0KGgo="
	cases := []struct {
		name string
		doc  json.RawMessage
		want string
	}{
		{"marks", d(para(tt("Menteri ", bold), tt("Sosial", bold, italic), tt(" di "), tt("situs", link("https://kemensos.go.id/x?a=1&b=2")))),
			`<p><strong>Menteri </strong><strong><em>Sosial</em></strong> di <a href="https://kemensos.go.id/x?a=1&amp;b=2" rel="noopener">situs</a></p>`},
		{"mailto", d(para(tt("surel", link("mailto:humas@kemensos.go.id")))),
			`<p><a href="mailto:humas@kemensos.go.id" rel="noopener">surel</a></p>`},
		{"headings", d(node{Type: "heading", Attrs: map[string]any{"level": 1}, Content: []node{tt("Satu")}},
			node{Type: "heading", Attrs: map[string]any{"level": 2}, Content: []node{tt("Dua")}},
			node{Type: "heading", Attrs: map[string]any{"level": 3}, Content: []node{tt("Tiga")}},
			node{Type: "heading", Attrs: map[string]any{"level": 5}, Content: []node{tt("Lima")}}),
			"<h2>Satu</h2>\n<h2>Dua</h2>\n<h3>Tiga</h3>\n<h3>Lima</h3>"},
		{"quote and break", d(node{Type: "blockquote", Content: []node{para(tt("baris satu"), node{Type: "hardBreak"}, tt("baris dua"))}}),
			"<blockquote>\n<p>baris satu<br>baris dua</p>\n</blockquote>"},
		{"lists", d(node{Type: "bulletList", Content: []node{{Type: "listItem", Content: []node{para(tt("a"))}}, {Type: "listItem", Content: []node{para(tt("b"))}}}},
			node{Type: "orderedList", Content: []node{{Type: "listItem", Content: []node{para(tt("c"))}}}}),
			"<ul>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ul>\n<ol>\n<li><p>c</p>\n</li>\n</ol>"},
		{"figure", d(node{Type: "figure", Attrs: map[string]any{"src": png, "alt": "Gong", "title": "Pembukaan"}, Content: []node{tt("Menteri memukul gong. (Foto: Masran Rauf)")}}),
			`<figure><img src="` + png + `" alt="Gong" title="Pembukaan"><figcaption>Menteri memukul gong. (Foto: Masran Rauf)</figcaption></figure>`},
		{"relative image", d(node{Type: "figure", Attrs: map[string]any{"src": "photos/gong.jpg"}}),
			`<figure><img src="photos/gong.jpg" alt=""></figure>`},
		{"empty paragraphs dropped", d(para(), para(tt("  ")), para(tt("isi"))), "<p>isi</p>"},
		{"unknown block keeps its text", d(node{Type: "table", Content: []node{{Type: "tableRow", Content: []node{
			{Type: "tableCell", Content: []node{para(tt("Provinsi"))}}, {Type: "tableCell", Content: []node{para(tt("34"))}}}}}}),
			"<p>Provinsi 34</p>"},
		{"unknown inline keeps its text", d(para(tt("kata "), node{Type: "mention", Content: []node{tt("@Nova", bold)}}, tt(" selesai"))),
			"<p>kata <strong>@Nova</strong> selesai</p>"},
		{"block inside a paragraph", d(para(tt("awal"), para(tt("tengah")), tt("akhir"))), "<p>awal tengah akhir</p>"},
		{"unknown mark dropped, text kept", d(para(tt("garis", mark{Type: "underline"}), tt(" kode", mark{Type: "code"}))),
			"<p>garis kode</p>"},
		{"text at block level", d(tt("lepas")), "<p>lepas</p>"},
		{"code block", d(node{Type: "codeBlock", Content: []node{tt("x < y && z")}}), "<p>x &lt; y &amp;&amp; z</p>"},
		{"empty doc", json.RawMessage(`{"type":"doc"}`), ""},
	}
	for _, c := range cases {
		got, err := HTML(c.doc)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if strings.TrimSpace(got) != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, strings.TrimSpace(got), c.want)
		}
	}
}

func TestHTMLRefusesBadBodies(t *testing.T) {
	for _, b := range []string{``, `"x"`, `{"type":"paragraph"}`, `{"type":"doc","content":"x"}`} {
		if _, err := HTML(json.RawMessage(b)); !errors.Is(err, ErrInvalid) {
			t.Errorf("HTML(%q): %v, want ErrInvalid", b, err)
		}
		if p := PlainText(json.RawMessage(b)); p != "" {
			t.Errorf("PlainText(%q) = %q", b, p)
		}
	}
	big := d(para(tt(strings.Repeat("x", MaxBodyBytes))))
	if _, err := HTML(big); !errors.Is(err, ErrInvalid) {
		t.Errorf("over-size body: %v", err)
	}
}

// TestHostileInputStaysInert renders bodies an attacker (or a paste from a
// hostile page) could produce and checks the HTML with a real HTML parser:
// only the allowed elements, no event handlers, no scripts, links and
// images only with the allowed schemes. The text itself survives, escaped.
func TestHostileInputStaysInert(t *testing.T) {
	hrefs := []string{"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
		"javascript&#58;alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:x",
		"//evil.example/x", "https:", "file:///etc/passwd", `https://x.id/" onmouseover="alert(1)`}
	srcs := []string{"http://evil.example/track.gif", "https://evil.example/a.png", "//evil.example/a.png",
		"javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4=",
		"data:image/png;base64,iVBOR<script>", "/etc/passwd", "../../secret.png", `x.png" onerror="alert(1)`, "warta-photo:a b"}
	var nodes []node
	nodes = append(nodes, para(tt(`<script>alert("x")</script><img src=x onerror=alert(1)>`)))
	for _, h := range hrefs {
		nodes = append(nodes, para(tt("klik", link(h))))
	}
	for _, s := range srcs {
		nodes = append(nodes, node{Type: "figure", Attrs: map[string]any{"src": s, "alt": `"><script>alert(1)</script>`}, Content: []node{tt("keterangan")}})
	}
	nodes = append(nodes,
		node{Type: "script", Content: []node{tt("alert(2)")}},
		node{Type: "iframe", Attrs: map[string]any{"src": "javascript:alert(3)"}},
		node{Type: "image", Attrs: map[string]any{"src": "https://evil.example/i.png", "onerror": "alert(4)"}},
		node{Type: "paragraph", Attrs: map[string]any{"style": "background:url(javascript:alert(5))", "onclick": "alert(6)"}, Content: []node{tt("gaya")}},
		node{Type: "heading", Attrs: map[string]any{"level": "<h1 onload=alert(7)>"}, Content: []node{tt("judul")}},
	)
	body := d(nodes...)
	a := Article{Headline: `<img src=x onerror=alert(8)>`, Subheadline: `</p><script>alert(9)</script>`,
		Dateline: Dateline{Place: "<b>Jakarta</b>", Agency: "Humas"}, Reporters: []string{"<i>Nova</i>"}, Body: body}
	out, err := HTML(body)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := PublishedHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"p": true, "h2": true, "h3": true, "strong": true, "em": true, "a": true, "blockquote": true,
		"ul": true, "ol": true, "li": true, "figure": true, "figcaption": true, "img": true, "br": true}
	for name, doc := range map[string]string{"HTML": out, "PublishedHTML": pub} {
		lower := strings.ToLower(doc)
		for _, bad := range []string{"<script", "<iframe", "javascript:", "vbscript:", "data:text/html", "data:image/svg", "evil.example", "/etc/passwd", "<h1 onload"} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
		links, imgs := 0, 0
		z := html.NewTokenizer(strings.NewReader(doc))
		for {
			tok := z.Next()
			if tok == html.ErrorToken {
				break
			}
			if tok != html.StartTagToken && tok != html.SelfClosingTagToken {
				continue
			}
			tg := z.Token()
			if !allowed[tg.Data] && !(name == "PublishedHTML" && (tg.Data == "article" || tg.Data == "h1" || tg.Data == "span")) {
				t.Errorf("%s has element <%s>", name, tg.Data)
			}
			for _, at := range tg.Attr {
				switch {
				case strings.HasPrefix(at.Key, "on"), at.Key == "style":
					t.Errorf("%s: <%s %s=%q>", name, tg.Data, at.Key, at.Val)
				case at.Key == "href":
					links++
					if !regexp.MustCompile(`^(https?://[^/]|mailto:)`).MatchString(at.Val) {
						t.Errorf("%s: href %q", name, at.Val)
					}
				case at.Key == "src":
					imgs++
					if strings.Contains(at.Val, ":") && !strings.HasPrefix(at.Val, "warta-photo:") && !strings.HasPrefix(at.Val, "data:image/png;base64,") {
						t.Errorf("%s: src %q", name, at.Val)
					}
				}
			}
		}
		if links != 0 || imgs != 0 {
			t.Errorf("%s kept %d links and %d images, all of them hostile", name, links, imgs)
		}
		// The words are still there, as text.
		for _, w := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "klik", "keterangan", "alert(2)", "gaya", "judul"} {
			if !strings.Contains(doc, w) {
				t.Errorf("%s lost the text %q", name, w)
			}
		}
	}
	if !strings.Contains(pub, "&lt;img src=x onerror=alert(8)&gt;</h1>") || !strings.Contains(pub, "&lt;b&gt;Jakarta&lt;/b&gt;, Humas –") {
		t.Errorf("published fields not escaped as text:\n%s", pub)
	}
}

func TestTextFormats(t *testing.T) {
	a := Article{
		Headline: "Banjir  di\nGorontalo", Subheadline: "Warga mengungsi",
		Dateline:  Dateline{Place: "Gorontalo", Agency: "Humas"},
		Reporters: []string{"Asriani", " Nova "}, Language: "id",
		Body: d(
			para(tt("Hujan deras "), tt("sejak pagi", bold), tt(" membuat "), tt("sungai", italic), tt(" meluap. Info di "), tt("situs", link("https://bpbd.go.id")), tt(".")),
			node{Type: "heading", Attrs: map[string]any{"level": 2}, Content: []node{tt("Bantuan")}},
			node{Type: "bulletList", Content: []node{{Type: "listItem", Content: []node{para(tt("beras *10* ton"))}}, {Type: "listItem", Content: []node{para(tt("air_bersih"))}}}},
			node{Type: "orderedList", Content: []node{{Type: "listItem", Content: []node{para(tt("satu"))}}, {Type: "listItem", Content: []node{para(tt("dua"))}}}},
			node{Type: "blockquote", Content: []node{para(tt("Kami siaga,"), node{Type: "hardBreak"}, tt("kata Kepala BPBD."))}},
			node{Type: "figure", Attrs: map[string]any{"src": "warta-photo:banjir.jpg", "alt": "Banjir"}, Content: []node{tt("Warga "), tt("mengungsi", bold), tt(". (Foto: Nova)")}},
		),
	}
	wa := WhatsApp(a)
	wantWA := "*Banjir di Gorontalo*\n\n_Warga mengungsi_\n\n" +
		"Gorontalo, Humas – Hujan deras *sejak pagi* membuat _sungai_ meluap. Info di situs (https://bpbd.go.id).\n\n" +
		"*Bantuan*\n\n• beras *10* ton\n• air_bersih\n\n1. satu\n2. dua\n\n> Kami siaga,\n> kata Kepala BPBD.\n\n" +
		"_Warga mengungsi. (Foto: Nova)_\n\nPewarta: Asriani/Nova\n"
	if wa != wantWA {
		t.Errorf("WhatsApp:\n got %q\nwant %q", wa, wantWA)
	}
	md := Markdown(a)
	wantMD := "# Banjir di Gorontalo\n\n_Warga mengungsi_\n\n" +
		"Gorontalo, Humas – Hujan deras **sejak pagi** membuat _sungai_ meluap. Info di [situs](<https://bpbd.go.id>).\n\n" +
		"## Bantuan\n\n- beras \\*10\\* ton\n- air\\_bersih\n\n1. satu\n2. dua\n\n> Kami siaga,\\\n> kata Kepala BPBD.\n\n" +
		"![Banjir](<warta-photo:banjir.jpg>)  \n_Warga mengungsi. (Foto: Nova)_\n\nPewarta: Asriani/Nova\n"
	if md != wantMD {
		t.Errorf("Markdown:\n got %q\nwant %q", md, wantMD)
	}
	plain := PlainText(a.Body)
	wantPlain := "Hujan deras sejak pagi membuat sungai meluap. Info di situs.\n\nBantuan\n\n- beras *10* ton\n- air_bersih\n\n1. satu\n2. dua\n\nKami siaga,\nkata Kepala BPBD.\n\nWarga mengungsi. (Foto: Nova)"
	if plain != wantPlain {
		t.Errorf("PlainText:\n got %q\nwant %q", plain, wantPlain)
	}
	// The dateline is not doubled when the text already starts with it,
	// and stands alone when there is no paragraph.
	b := Article{Dateline: Dateline{Place: "Jakarta", Agency: "Humas"}, Body: d(para(tt("Jakarta, Humas - Sudah ada.")))}
	if w := WhatsApp(b); w != "Jakarta, Humas - Sudah ada.\n" {
		t.Errorf("dateline doubled: %q", w)
	}
	b.Body = d()
	if w := WhatsApp(b); w != "Jakarta, Humas –\n" {
		t.Errorf("dateline alone: %q", w)
	}
	// English articles credit the "Reporter".
	if w := WhatsApp(Article{Language: "en", Reporters: []string{"Nova"}}); w != "Reporter: Nova\n" {
		t.Errorf("english credit: %q", w)
	}
}

func TestWordCountAndSnippet(t *testing.T) {
	body := d(para(tt("Jakarta – satu, dua; tiga 2019.")),
		node{Type: "figure", Content: []node{tt("keterangan foto tidak dihitung")}},
		node{Type: "bulletList", Content: []node{{Type: "listItem", Content: []node{para(tt("empat lima"))}}}})
	a := Article{Body: body}
	blocks, err := normalise(&a)
	if err != nil {
		t.Fatal(err)
	}
	if a.WordCount != 7 || a.ReadingMinutes != 1 {
		t.Fatalf("words=%d minutes=%d, want 7 and 1", a.WordCount, a.ReadingMinutes)
	}
	if s := snippet(blocks); s != "Jakarta – satu, dua; tiga 2019. empat lima" {
		t.Fatalf("snippet %q", s)
	}
	long := Article{Body: doc(strings.Repeat("kata ", 401))}
	normalise(&long)
	if long.WordCount != 401 || long.ReadingMinutes != 3 {
		t.Fatalf("401 words: %d words, %d minutes", long.WordCount, long.ReadingMinutes)
	}
	if s := snippet(lower(must[*node](t)(parseDoc(long.Body)))); len(s) > 200 || !strings.HasSuffix(s, "kata…") {
		t.Fatalf("long snippet %q", s)
	}
}

func TestFoldAndTokens(t *testing.T) {
	if f := fold("Café NAÏVE Ñusa İstanbul Øre"); f != "cafe naive nusa istanbul øre" {
		t.Fatalf("fold = %q", f)
	}
	got := strings.Join(tokenize("Plt.Kepala “Humas” 21/8/2019, e-KTP gaptek GAPTEK"), " ")
	if got != "2019 21 8 e gaptek humas kepala ktp plt" {
		t.Fatalf("tokens = %q", got)
	}
	long := strings.Repeat("a", 100)
	if toks := tokenize(long); len(toks) != 1 || len([]rune(toks[0])) != maxTokenRunes {
		t.Fatalf("long token %v", toks)
	}
	if q := queryTokens("ab abcd abc ab"); strings.Join(q, ",") != "abcd,abc,ab" {
		t.Fatalf("query tokens %v", q)
	}
}

func TestImageSources(t *testing.T) {
	for src, ok := range map[string]bool{
		"data:image/png;base64,iVBORw0KGgo=": true, "data:image/jpeg;base64,QUJD": true, "data:image/webp;base64,QUJDRA==": true,
		"data:image/png;base64,": false, "data:image/png;base64,QUJD===": false, "data:image/png;base64,QU JD": false,
		"data:image/gif;base64,QUJD": false, "data:image/svg+xml;base64,QUJD": false, "DATA:image/png;base64,QUJD": false,
		"warta-photo:2019/rakornas-1.jpg": true, "warta-photo:": false, "warta-photo:a b": false,
		"photos/gong.jpg": true, "gong.jpg": true, "./gong.jpg": true, "../gong.jpg": false, "/etc/passwd": false,
		"http://x.id/a.jpg": false, "https://x.id/a.jpg": false, "//x.id/a.jpg": false, "javascript:alert(1)": false,
		`a.jpg" onerror="x`: false, "": false,
	} {
		if got := safeImageSrc(src) != ""; got != ok {
			t.Errorf("safeImageSrc(%q) allowed = %v, want %v", src, got, ok)
		}
	}
}

func TestLinkTargets(t *testing.T) {
	for href, ok := range map[string]bool{
		"https://kemensos.go.id/berita?id=1": true, "http://x.id": true, "HTTPS://X.ID/": true, "mailto:humas@kemensos.go.id": true,
		"javascript:alert(1)": false, "JavaScript:alert(1)": false, "java\tscript:alert(1)": false, " javascript:x": false,
		"data:text/html,<script>": false, "vbscript:x": false, "file:///etc/passwd": false, "//evil.example": false,
		"https:": false, "https:///x": false, "/relative": false, "warta-photo:x": false, `https://x.id/"a b`: false, "": false,
	} {
		if got := safeHref(href) != ""; got != ok {
			t.Errorf("safeHref(%q) allowed = %v, want %v", href, got, ok)
		}
	}
}
