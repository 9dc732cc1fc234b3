package codes

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func parse(t *testing.T, s string) ([]Code, []Problem) {
	t.Helper()
	codes, problems, err := ParseTSV(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ParseTSV: %v", err)
	}
	return codes, problems
}

func TestSampleFile(t *testing.T) {
	f, err := os.Open("testdata/kode-humas.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	codes, problems, err := ParseTSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	if len(codes) != 19 {
		t.Fatalf("%d codes, want 19", len(codes))
	}
	want := []Code{
		{"mensos", "Menteri Sosial Agus Gumiwang Kartasasmita", []string{"Mensos Agus Gumiwang Kartasasmita", "Agus Gumiwang"}},
		{"presiden", "Presiden Joko Widodo", []string{"Presiden Jokowi"}},
	}
	if !reflect.DeepEqual(codes[:2], want) {
		t.Errorf("first codes = %q, want %q", codes[:2], want)
	}
	last := codes[len(codes)-1]
	if last.Code != "café" || last.Text != "Kafe Inklusif Dilan, Jakarta Selatan" {
		t.Errorf("last code = %q", last)
	}
	byCode := map[string]string{}
	for _, c := range codes {
		byCode[c.Code] = c.Text
	}
	if byCode["jkt"] != "Jakarta" || byCode["hut"] != "HUT ke-79 Kemerdekaan Republik Indonesia 🇮🇩" {
		t.Errorf("jkt = %q, hut = %q", byCode["jkt"], byCode["hut"])
	}
}

func TestParseCRLFAndBOM(t *testing.T) {
	in := "\uFEFF# kode\r\n\\mensos\\\tMenteri Sosial\r\n\r\njkt\tJakarta\t\t\r\nmks\tMakassar\t\tUjung Pandang\r\n"
	codes, problems := parse(t, in)
	want := []Code{
		{"mensos", "Menteri Sosial", nil},
		{"jkt", "Jakarta", nil},                            // Excel's padding columns dropped
		{"mks", "Makassar", []string{"", "Ujung Pandang"}}, // a gap keeps \mks#3\ in place
	}
	if !reflect.DeepEqual(codes, want) || len(problems) != 0 {
		t.Errorf("got %q, %v; want %q", codes, problems, want)
	}
	// Excel for Mac ends lines with a lone CR.
	codes, _ = parse(t, "jkt\tJakarta\rdps\tDenpasar\r")
	if len(codes) != 2 || codes[1].Text != "Denpasar" {
		t.Errorf("CR line endings: %q", codes)
	}
}

func TestParseProblems(t *testing.T) {
	in := strings.Join([]string{
		"# kode humas",                          // 1
		"mensos\tMenteri Sosial",                // 2
		"presiden Presiden Joko Widodo",         // 3 no tab
		"\tteks tanpa kode",                     // 4 empty code
		"wa pres\tWakil Presiden",               // 5 space in code
		`a\b` + "\tx",                           // 6 backslash
		"foto#2\tx",                             // 7 '#'
		"jkt\t   ",                              // 8 empty text
		"Mensos\tMenteri Sosial RI",             // 9 duplicate of line 2, wins
		strings.Repeat("k", 65) + "\tx",         // 10 code too long
		"panjang\t" + strings.Repeat("x", 2001), // 11 text too long
		"alt\tok\t" + strings.Repeat("x", 2001), // 12 alternative too long
		"",                                      // 13
		"  jkp  \t  Jakarta Pusat  ",            // 14 trimmed, fine
	}, "\n")
	codes, problems := parse(t, in)
	wantCodes := []Code{{"Mensos", "Menteri Sosial RI", nil}, {"jkp", "Jakarta Pusat", nil}}
	if !reflect.DeepEqual(codes, wantCodes) {
		t.Errorf("codes = %q, want %q", codes, wantCodes)
	}
	want := []string{
		"line 3: no tab between code and text",
		"line 4: empty code before the tab",
		`line 5: code "wa pres" contains a backslash, '#' or a space; codes are written \code\ and \code#2\ picks an alternative`,
		`line 6: code "a\\b" contains a backslash, '#' or a space; codes are written \code\ and \code#2\ picks an alternative`,
		`line 7: code "foto#2" contains a backslash, '#' or a space; codes are written \code\ and \code#2\ picks an alternative`,
		`line 8: empty text for code "jkt"`,
		`line 9: code "Mensos" repeats "mensos" from line 2; the later one is kept`,
		`line 10: code "` + strings.Repeat("k", 65) + `" is longer than 64 bytes`,
		`line 11: text for code "panjang" is longer than 2000 bytes`,
		`line 12: text for code "alt" is longer than 2000 bytes`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	kinds := []string{KindNoTab, KindEmptyCode, KindBadCode, KindBadCode, KindBadCode, KindEmptyText,
		KindDuplicate, KindCodeTooLong, KindTextTooLong, KindTextTooLong}
	for i, p := range problems {
		if i < len(kinds) && p.Kind != kinds[i] {
			t.Errorf("problem %d kind = %q, want %q", i, p.Kind, kinds[i])
		}
	}
}

func TestNotUTF8(t *testing.T) {
	tests := []struct {
		name, in, inMessage string
	}{
		{"Windows-1252", "jkt\tJakarta\nkafe\tCaf\xe9 Batavia\n", "line 2"},
		{"UTF-16LE", "\xff\xfej\x00k\x00t\x00", "UTF-16"},
		{"UTF-16BE", "\xfe\xff\x00j\x00k\x00t", "UTF-16"},
	}
	for _, tt := range tests {
		codes, problems, err := ParseTSV(strings.NewReader(tt.in))
		if !errors.Is(err, ErrNotUTF8) || codes != nil || problems != nil {
			t.Errorf("%s: got %q, %v, %v; want ErrNotUTF8", tt.name, codes, problems, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.inMessage) || !strings.Contains(msg, "UTF-8") {
			t.Errorf("%s: message %q", tt.name, msg)
		}
	}
}

func TestLimits(t *testing.T) {
	// MaxCodes: the first 10000 are kept, one problem for the rest.
	var b strings.Builder
	for i := range MaxCodes + 5 {
		b.WriteString("k")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\tteks\n")
	}
	codes, problems := parse(t, b.String())
	if len(codes) != MaxCodes {
		t.Errorf("%d codes, want %d", len(codes), MaxCodes)
	}
	if len(problems) != 1 || problems[0].Kind != KindTooMany || problems[0].Line != MaxCodes+1 {
		t.Errorf("problems = %v", problems)
	}

	// Exactly at the byte limits is fine.
	codes, problems = parse(t, strings.Repeat("k", MaxCodeBytes)+"\t"+strings.Repeat("é", MaxTextBytes/2))
	if len(codes) != 1 || len(problems) != 0 {
		t.Errorf("at the limits: %d codes, %v", len(codes), problems)
	}

	// Problems are capped.
	codes, problems = parse(t, strings.Repeat("no tab\n", MaxProblems+10))
	if len(codes) != 0 || len(problems) != MaxProblems+1 ||
		problems[MaxProblems].String() != "line 1001: 10 more problems from this line on are not listed" {
		t.Errorf("%d codes, %d problems, last %v", len(codes), len(problems), problems[len(problems)-1])
	}

	// Over MaxFileBytes the whole file is refused.
	big := strings.Repeat("k\t"+strings.Repeat("x", 1000)+"\n", MaxFileBytes/1000)
	if _, _, err := ParseTSV(strings.NewReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d bytes: err = %v, want ErrTooLarge", len(big), err)
	}
}

func TestValidate(t *testing.T) {
	in := []Code{
		{Code: ` \presiden\ `, Text: " Presiden\nJoko Widodo ", Alt: []string{"Jokowi", " ", ""}},
		{Code: "jkt", Text: "Jakarta"},
		{Code: "JKT", Text: "DKI Jakarta"},
		{Code: "", Text: "x"},
		{Code: "foto", Text: "Foto:\tHumas"},
	}
	got, problems := Validate(in)
	want := []Code{
		{"presiden", "Presiden Joko Widodo", []string{"Jokowi"}},
		{"JKT", "DKI Jakarta", nil}, // the later row, in the earlier row's place
		{"foto", "Foto: Humas", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate = %q, want %q", got, want)
	}
	wantProblems := []Problem{
		{3, KindDuplicate, `code "JKT" repeats "jkt" from line 2; the later one is kept`},
		{4, KindEmptyCode, "empty code before the tab"},
	}
	if !reflect.DeepEqual(problems, wantProblems) {
		t.Errorf("problems = %v, want %v", problems, wantProblems)
	}
	if in[0].Code != ` \presiden\ ` {
		t.Error("Validate changed its input")
	}
}

func TestWriteTSV(t *testing.T) {
	codes := []Code{
		{"mensos", "Menteri Sosial", []string{"Mensos", "", "Agus"}},
		{"hut", "HUT ke-79 RI 🇮🇩", nil},
		{"x", "a\tb\r\nc\nd", []string{"e\tf"}},
	}
	var buf bytes.Buffer
	if err := WriteTSV(&buf, codes); err != nil {
		t.Fatal(err)
	}
	want := "mensos\tMenteri Sosial\tMensos\t\tAgus\nhut\tHUT ke-79 RI 🇮🇩\nx\ta b c d\te f\n"
	if buf.String() != want {
		t.Errorf("WriteTSV:\n got %q\nwant %q", buf.String(), want)
	}
}

func TestRoundTripSample(t *testing.T) {
	data, err := os.ReadFile("testdata/kode-humas.tsv")
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, data)
}

// roundTrip checks that what ParseTSV reads, WriteTSV writes back so that
// ParseTSV reads the same codes again, without problems.
func roundTrip(t *testing.T, data []byte) {
	t.Helper()
	codes, _, err := ParseTSV(bytes.NewReader(data))
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if err := WriteTSV(&buf, codes); err != nil {
		t.Fatal(err)
	}
	again, problems, err := ParseTSV(&buf)
	if err != nil || len(problems) != 0 {
		t.Fatalf("reading back: %v, %v\n%q", err, problems, buf.String())
	}
	if !reflect.DeepEqual(codes, again) {
		t.Fatalf("round trip:\n got %q\nwant %q", again, codes)
	}
	if v, p := Validate(codes); !reflect.DeepEqual(v, codes) || len(p) != 0 {
		t.Fatalf("parsed codes do not validate: %q, %v", v, p)
	}
}

func FuzzRoundTrip(f *testing.F) {
	sample, err := os.ReadFile("testdata/kode-humas.tsv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte("\uFEFFa\tb\r\nA\tc\t\t\r\n#x\n\\k\\\t v \tw\r"))
	f.Add([]byte("a\t\u00a0b\u0085\tc\u2028\n"))
	f.Fuzz(roundTrip)
}
