package codes

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code is one row of the table: typing \Code\ in a caption inserts Text,
// \Code#2\ inserts Alt[0], \Code#3\ inserts Alt[1] and so on.
type Code struct {
	Code string   `json:"code"`
	Text string   `json:"text"`
	Alt  []string `json:"alt,omitempty"`
}

// Problem is a row that was not taken as it stood. Line is the line in the
// file (ParseTSV) or the 1-based position in the slice (Validate); Message
// is a short English sentence without the line number, Kind a stable
// machine-readable name for translating it.
type Problem struct {
	Line    int    `json:"line"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// String returns "line 7: no tab between code and text".
func (p Problem) String() string {
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// Problem kinds. New kinds may be added; existing ones keep their names.
const (
	KindNoTab       = "no-tab"        // the line has no tab
	KindEmptyCode   = "empty-code"    // nothing before the first tab
	KindBadCode     = "bad-code"      // backslash, '#' or white space in the code
	KindEmptyText   = "empty-text"    // nothing after the first tab
	KindCodeTooLong = "code-too-long" // code over MaxCodeBytes
	KindTextTooLong = "text-too-long" // text or an alternative over MaxTextBytes
	KindDuplicate   = "duplicate"     // the code was already defined; the later row wins
	KindTooMany     = "too-many"      // over MaxCodes; this and later rows were skipped
	KindMore        = "more"          // over MaxProblems; the rest are not listed
)

// Limits. A real table has a few hundred to a few thousand rows.
const (
	MaxCodes     = 10000
	MaxCodeBytes = 64
	MaxTextBytes = 2000
	MaxFileBytes = 4 << 20
	MaxProblems  = 1000 // problems listed; a wrong file would otherwise give one per line
)

// Errors for a file that cannot be read at all. Row-level trouble is a
// Problem instead, and the other rows are still imported.
var (
	ErrNotUTF8  = errors.New("file is not UTF-8 text")
	ErrTooLarge = errors.New("file is too large")
)

// bom is the UTF-8 byte order mark that Windows Notepad and Excel write.
const bom = "\uFEFF"

// ParseTSV reads a code table: one code per line, "code<TAB>text[<TAB>alt…]".
// A UTF-8 byte order mark, LF, CRLF or CR line endings, blank lines and lines
// starting with '#' are accepted. Rows with problems are skipped and
// reported; the error is non-nil only when the file as a whole cannot be
// read (I/O error, over MaxFileBytes, not UTF-8).
func ParseTSV(r io.Reader) ([]Code, []Problem, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read code table: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, nil, fmt.Errorf("%w: more than %d MiB; a code table is plain text and much smaller", ErrTooLarge, MaxFileBytes>>20)
	}
	if err := checkUTF8(data); err != nil {
		return nil, nil, err
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	// CRLF (Windows) and a lone CR (Excel for Mac's "Tab delimited Text")
	// both end a line.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))

	var rows []row
	var problems []Problem
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxFileBytes+1) // a single line may be the whole file
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 2 {
			problems = append(problems, Problem{line, KindNoTab, "no tab between code and text"})
			continue
		}
		rows = append(rows, row{line, Code{Code: fields[0], Text: fields[1], Alt: fields[2:]}})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read code table: %w", err)
	}
	codes, more := validate(rows)
	return codes, sortProblems(append(problems, more...)), nil
}

// checkUTF8 refuses anything that is not UTF-8. It does not guess the
// encoding: a wrong guess would silently garble names.
func checkUTF8(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return fmt.Errorf(`%w: it is UTF-16 (Excel's "Unicode Text"); save it as "UTF-8" text and import it again`, ErrNotUTF8)
	}
	if utf8.Valid(data) {
		return nil
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			break
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return fmt.Errorf("%w (line %d): save it with the encoding UTF-8 (in Notepad: File > Save as > Encoding: UTF-8) and import it again", ErrNotUTF8, line)
}

// WriteTSV writes codes in the order given, one "code<TAB>text[<TAB>alt…]"
// line each: UTF-8 without a byte order mark, LF line endings, no header (so
// Photo Mechanic can read the file too). Tabs, carriage returns and newlines
// inside a field cannot be stored and are written as a space. Run Validate
// first: WriteTSV does not check codes.
func WriteTSV(w io.Writer, codes []Code) error {
	bw := bufio.NewWriter(w)
	for _, c := range codes {
		bw.WriteString(oneField(c.Code))
		bw.WriteByte('\t')
		bw.WriteString(oneField(c.Text))
		for _, alt := range c.Alt {
			bw.WriteByte('\t')
			bw.WriteString(oneField(alt))
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write code table: %w", err)
	}
	return nil
}

// separators are what cannot appear inside a TSV field.
var separators = strings.NewReplacer("\t", " ", "\r\n", " ", "\r", " ", "\n", " ")

func oneField(s string) string { return separators.Replace(s) }

// Validate normalises codes as ParseTSV does and reports the rows it had to
// change or drop, numbered from 1 in the order given. Normalising means: the
// code and every text are trimmed and made single-line, one pair of
// backslashes around a code (\mensos\) is removed, and empty alternatives
// at the end of a row are dropped. Rows with an unusable code or text are
// dropped; of two rows whose codes differ only in case, the later one wins
// and takes the place of the earlier. Codes keep their case, as in Photo
// Mechanic.
func Validate(codes []Code) ([]Code, []Problem) {
	rows := make([]row, len(codes))
	for i, c := range codes {
		rows[i] = row{i + 1, c}
	}
	got, problems := validate(rows)
	return got, sortProblems(problems)
}

// row is a code with the line it came from.
type row struct {
	line int
	code Code
}

func validate(rows []row) ([]Code, []Problem) {
	var (
		codes    []Code
		problems []Problem
		index    = make(map[string]int) // lower-case code → index in codes
		firstAt  = make(map[string]int) // lower-case code → line it was defined at
	)
	for _, r := range rows {
		c, p := normalise(r.code)
		if p != nil {
			p.Line = r.line
			problems = append(problems, *p)
			continue
		}
		key := strings.ToLower(c.Code)
		if i, dup := index[key]; dup {
			problems = append(problems, Problem{r.line, KindDuplicate,
				fmt.Sprintf("code %q repeats %q from line %d; the later one is kept", c.Code, codes[i].Code, firstAt[key])})
			codes[i] = c
			firstAt[key] = r.line
			continue
		}
		if len(codes) == MaxCodes {
			problems = append(problems, Problem{r.line, KindTooMany,
				fmt.Sprintf("more than %d codes; this line and the ones after it were not imported", MaxCodes)})
			break
		}
		index[key] = len(codes)
		firstAt[key] = r.line
		codes = append(codes, c)
	}
	return codes, problems
}

// normalise cleans one code, or says why it cannot be used.
func normalise(c Code) (Code, *Problem) {
	code := strings.TrimSpace(strings.ToValidUTF8(c.Code, "\uFFFD"))
	if len(code) >= 2 && strings.HasPrefix(code, `\`) && strings.HasSuffix(code, `\`) {
		code = strings.TrimSpace(code[1 : len(code)-1])
	}
	switch {
	case code == "":
		return Code{}, &Problem{Kind: KindEmptyCode, Message: "empty code before the tab"}
	case strings.ContainsFunc(code, func(r rune) bool { return r == '\\' || r == '#' || unicode.IsSpace(r) }):
		return Code{}, &Problem{Kind: KindBadCode,
			Message: fmt.Sprintf(`code %q contains a backslash, '#' or a space; codes are written \code\ and \code#2\ picks an alternative`, code)}
	case len(code) > MaxCodeBytes:
		return Code{}, &Problem{Kind: KindCodeTooLong,
			Message: fmt.Sprintf("code %q is longer than %d bytes", code, MaxCodeBytes)}
	}

	text := cleanText(c.Text)
	if text == "" {
		return Code{}, &Problem{Kind: KindEmptyText, Message: fmt.Sprintf("empty text for code %q", code)}
	}
	var alt []string
	if len(c.Alt) > 0 {
		alt = make([]string, len(c.Alt))
		for i, a := range c.Alt {
			alt[i] = cleanText(a)
		}
		for len(alt) > 0 && alt[len(alt)-1] == "" {
			alt = alt[:len(alt)-1] // Excel pads rows with empty columns
		}
		if len(alt) == 0 {
			alt = nil
		}
	}
	for _, t := range append([]string{text}, alt...) {
		if len(t) > MaxTextBytes {
			return Code{}, &Problem{Kind: KindTextTooLong,
				Message: fmt.Sprintf("text for code %q is longer than %d bytes", code, MaxTextBytes)}
		}
	}
	return Code{Code: code, Text: text, Alt: alt}, nil
}

// cleanText makes s one trimmed line, as WriteTSV would store it.
func cleanText(s string) string {
	return strings.TrimSpace(oneField(strings.ToValidUTF8(s, "\uFFFD")))
}

// sortProblems orders problems by line (parsing and validating report them
// in two runs) and cuts the list at MaxProblems.
func sortProblems(p []Problem) []Problem {
	slices.SortStableFunc(p, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	if len(p) > MaxProblems {
		more := Problem{p[MaxProblems].Line, KindMore,
			fmt.Sprintf("%d more problems from this line on are not listed", len(p)-MaxProblems)}
		p = append(p[:MaxProblems], more)
	}
	return p
}
