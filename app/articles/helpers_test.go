package articles

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warta-news/warta/app/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2019, 8, 21, 9, 0, 0, 0, time.UTC)

// openLib opens a library on a store in dir, closed when the test ends.
func openLib(t testing.TB, dir string) (*Library, *store.Store) {
	t.Helper()
	st, err := store.Open(dir, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := New(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l, st
}

// newLib is a library on a fresh on-disk store with a test clock at t0.
func newLib(t testing.TB) (*Library, *clock) {
	t.Helper()
	l, _ := openLib(t, t.TempDir())
	c := &clock{t: t0}
	l.now = c.now
	return l, c
}

// doc builds a TipTap document of paragraphs.
func doc(paras ...string) json.RawMessage {
	var content []node
	for _, p := range paras {
		content = append(content, node{Type: "paragraph", Content: []node{{Type: "text", Text: p}}})
	}
	return mustJSON(node{Type: "doc", Content: content})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// fixture is the real article in testdata as an Article with a TipTap
// body: the first line is the headline, "(Foto: …)" lines are figures with
// that caption, "Jakarta, Humas – " becomes the dateline, "Pewarta : A/B"
// the reporters; the web page's sharing links after it are not article.
func fixture(t testing.TB) Article {
	t.Helper()
	raw, err := os.ReadFile("testdata/humas-kemensos-rakornas-2019.txt")
	if err != nil {
		t.Fatal(err)
	}
	var paras []string
	for _, p := range strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, p)
		}
	}
	a := Article{Headline: paras[0], EventDate: "2019-08-21", Category: "Kehumasan",
		Tags: []string{"rakornas", "kemensos"}, Editor: "Nova", Language: "id"}
	var content []node
	photo := 0
	for _, p := range paras[1:] {
		if strings.HasPrefix(p, "Pewarta") {
			_, names, _ := strings.Cut(p, ":")
			for _, n := range strings.Split(names, "/") {
				a.Reporters = append(a.Reporters, strings.TrimSpace(n))
			}
			break
		}
		if strings.Contains(p, "(Foto") && strings.HasSuffix(p, ")") {
			photo++
			content = append(content, node{Type: "figure",
				Attrs:   map[string]any{"src": fmt.Sprintf("warta-photo:rakornas-%d.jpg", photo), "alt": "Foto kegiatan", "title": ""},
				Content: []node{{Type: "text", Text: p}}})
			continue
		}
		if rest, ok := strings.CutPrefix(p, "Jakarta, Humas – "); ok {
			a.Dateline = Dateline{Place: "Jakarta", Agency: "Humas"}
			p = rest
		}
		content = append(content, node{Type: "paragraph", Content: []node{{Type: "text", Text: p}}})
	}
	a.Body = mustJSON(node{Type: "doc", Content: content})
	return a
}

// checkConsistent recomputes every derived key (summaries, list order,
// tokens, index, suggestion counters) from the stored articles and checks
// the store holds exactly those, and that every revision has its snapshot
// and metadata and belongs to an article.
func checkConsistent(t testing.TB, st *store.Store) {
	t.Helper()
	want := map[string]string{}
	counts := map[string]int{}
	have := map[string]string{}
	ids := map[string]bool{}
	err := st.View(func(tx *store.Txn) error {
		if err := tx.IteratePrefix(pArticle, func(k string, v []byte) error {
			var a Article
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			ids[a.ID] = true
			blocks, err := storedBlocks(&a)
			if err != nil {
				return err
			}
			recs, _, err := records(&a, blocks)
			if err != nil {
				return err
			}
			for k, v := range recs {
				want[k] = string(v)
			}
			for kind, vals := range suggestionValues(&a) {
				for _, v := range vals {
					counts[kSuggest(kind, v)]++
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, p := range []string{pArticle, pSummary, pList, pTokens, pIndex, pSuggest} {
			if err := tx.IteratePrefix(p, func(k string, v []byte) error {
				have[k] = string(v)
				return nil
			}); err != nil {
				return err
			}
		}
		revs := map[string]bool{}
		if err := tx.IterateKeys(pRev, func(k string) error {
			revs[strings.TrimPrefix(k, pRev)] = true
			return nil
		}); err != nil {
			return err
		}
		return tx.IterateKeys(pRevMeta, func(k string) error {
			rest := strings.TrimPrefix(k, pRevMeta)
			if !revs[rest] {
				return fmt.Errorf("revision meta %s has no snapshot", k)
			}
			delete(revs, rest)
			if id, _, _ := strings.Cut(rest, "/"); !ids[id] {
				return fmt.Errorf("revision %s of a missing article", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range counts {
		want[k] = fmt.Sprint(n)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if h, ok := have[k]; !ok {
			t.Errorf("missing key %s", k)
		} else if h != want[k] {
			t.Errorf("key %s = %.80q, want %.80q", k, h, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			t.Errorf("stale key %s", k)
		}
	}
}

// bulkLoad stores new articles fast, for benchmarks: the very keys Create
// writes (records, one revision, suggestion counters), through a batch
// without an fsync per article. Articles keep their ID and times if set.
func bulkLoad(l *Library, arts []Article) error {
	b := l.st.NewBatch()
	counts := map[string]int{}
	for i := range arts {
		a := &arts[i]
		blocks, err := normalise(a)
		if err != nil {
			return err
		}
		if a.ID == "" {
			a.ID = newID(a.CreatedAt)
		}
		a.Version = max(a.Version, 1)
		recs, _, err := records(a, blocks)
		if err != nil {
			return err
		}
		for k, v := range recs {
			if err := b.Set(k, v); err != nil {
				return err
			}
		}
		m := revMeta{Seq: 1, At: a.UpdatedAt, WordCount: a.WordCount, Headline: a.Headline, Hash: contentHash(*a)}
		if err := b.Set(kRev(a.ID, 1), recs[kArticle(a.ID)]); err != nil {
			return err
		}
		if err := b.Set(kRevMeta(a.ID, 1), mustJSON(m)); err != nil {
			return err
		}
		for kind, vals := range suggestionValues(a) {
			for _, v := range vals {
				counts[kSuggest(kind, v)]++
			}
		}
	}
	if err := b.Flush(); err != nil {
		return err
	}
	return l.st.Update(func(tx *store.Txn) error {
		for k, d := range counts {
			var n int
			if err := tx.GetJSON(k, &n); err != nil && !isNotFound(err) {
				return err
			}
			if err := tx.SetJSON(k, n+d); err != nil {
				return err
			}
		}
		return nil
	})
}

// Indonesian-ish text for generated articles.
var (
	genWords = strings.Fields(`pemerintah provinsi kabupaten kota masyarakat kegiatan program bantuan sosial
		kementerian dinas kepala bidang pelayanan publik informasi komunikasi kehumasan pembangunan
		ekonomi daerah desa warga anak sekolah kesehatan pendidikan jalan jembatan bencana banjir
		gempa relawan penyaluran data kemiskinan validasi verifikasi anggaran tahun rapat koordinasi
		nasional sinergi kolaborasi pemberitaan media digital teknologi inovasi layanan daring aplikasi
		pelatihan peserta narasumber sambutan pembukaan penutupan kunjungan kerja peninjauan lokasi
		gedung aula kantor balai puskesmas rumah sakit pasar nelayan petani usaha mikro kecil menengah
		koperasi bantuan langsung tunai sembako beras minyak gula harga stok ketersediaan pengawasan
		operasi pasar inflasi pertumbuhan investasi pariwisata budaya festival lomba juara prestasi
		penghargaan apresiasi komitmen transparansi akuntabilitas reformasi birokrasi integritas
		zona bebas korupsi wilayah melayani kinerja evaluasi monitoring capaian target realisasi
		sosialisasi edukasi literasi keterbukaan partisipasi aspirasi musyawarah perencanaan
		gaptek akselerasi aksesibilitas validitas dinamis berkelanjutan penyebarluasan kesejahteraan`)
	genPlaces   = strings.Fields("Jakarta Gorontalo Makassar Surabaya Bandung Medan Manado Kupang Ambon Jayapura Padang Palu")
	genPeople   = strings.Fields("Asriani Nova Masran Rauf Dewi Rahmat Siti Budi Yusuf Rina Agus Hendra Wulan Fajar")
	genCats     = strings.Fields("Kehumasan Sosial Ekonomi Kesehatan Pendidikan Infrastruktur Bencana Pariwisata")
	genStatuses = []Status{StatusDraft, StatusReady, StatusSent, StatusPublished}
)

// genArticle makes a realistic article of about words words.
func genArticle(r *rand.Rand, words int, at time.Time) Article {
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = genWords[r.IntN(len(genWords))]
			if r.IntN(12) == 0 {
				w[i] = genPlaces[r.IntN(len(genPlaces))]
			}
		}
		s := strings.Join(w, " ")
		return strings.ToUpper(s[:1]) + s[1:] + "."
	}
	var content []node
	for left := words; left > 0; {
		var sents []string
		for range 2 + r.IntN(3) {
			n := min(left, 8+r.IntN(14))
			if n <= 0 {
				break
			}
			sents = append(sents, sentence(n))
			left -= n
		}
		content = append(content, node{Type: "paragraph", Content: []node{{Type: "text", Text: strings.Join(sents, " ")}}})
		if r.IntN(8) == 0 {
			content = append(content, node{Type: "figure", Attrs: map[string]any{"src": "warta-photo:x.jpg"},
				Content: []node{{Type: "text", Text: sentence(10) + " (Foto: " + genPeople[r.IntN(len(genPeople))] + ")"}}})
		}
	}
	return Article{
		Headline:  sentence(6 + r.IntN(6)),
		Dateline:  Dateline{Place: genPlaces[r.IntN(len(genPlaces))], Agency: "Humas"},
		Body:      mustJSON(node{Type: "doc", Content: content}),
		Reporters: []string{genPeople[r.IntN(len(genPeople))], genPeople[r.IntN(len(genPeople))]},
		Editor:    genPeople[r.IntN(len(genPeople))],
		Category:  genCats[r.IntN(len(genCats))],
		Tags:      []string{genWords[r.IntN(len(genWords))], genWords[r.IntN(len(genWords))]},
		Status:    genStatuses[r.IntN(len(genStatuses))],
		CreatedAt: at, UpdatedAt: at,
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
