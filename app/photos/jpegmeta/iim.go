package jpegmeta

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"unicode/utf8"
)

// IPTC IIM 4.2 encoding (section 1.5): each dataset is
//
//	0x1C, record number, dataset number, 2-byte big-endian length, data
//
// If the top bit of the length is set the dataset is "extended": the low 15
// bits give how many following bytes hold the real length. Records appear
// in ascending order; within record 2, dataset 2:00 (record version) comes
// first and this package writes the rest in ascending dataset order.
type dataset struct {
	rec, num byte
	data     []byte
}

// utf8Escape is 1:90 CodedCharacterSet "ESC % G": the text in records 2
// onwards is UTF-8 (IIM 4.2, 1:90, ISO 2022 escape sequence).
var utf8Escape = []byte{0x1B, '%', 'G'}

func parseIIM(b []byte) ([]dataset, error) {
	var out []dataset
	for len(b) > 0 {
		if b[0] != 0x1C {
			if allZero(b) {
				return out, nil // padding
			}
			return nil, fmt.Errorf("%w: IIM: byte %#02x where a dataset tag (0x1c) was expected", ErrMalformed, b[0])
		}
		if len(b) < 5 {
			return nil, fmt.Errorf("%w: IIM: dataset header cut short", ErrMalformed)
		}
		d := dataset{rec: b[1], num: b[2]}
		n := int(b[3])<<8 | int(b[4])
		p := 5
		if n&0x8000 != 0 { // extended dataset (IIM 4.2, 1.5.3)
			k := n & 0x7FFF
			if k > 4 || p+k > len(b) {
				return nil, fmt.Errorf("%w: IIM %d:%02d: bad extended length", ErrMalformed, d.rec, d.num)
			}
			n = 0
			for _, c := range b[p : p+k] {
				n = n<<8 | int(c)
			}
			p += k
		}
		if n < 0 || n > len(b)-p {
			return nil, fmt.Errorf("%w: IIM %d:%02d declares %d bytes, only %d left", ErrMalformed, d.rec, d.num, n, len(b)-p)
		}
		d.data = b[p : p+n]
		out = append(out, d)
		b = b[p+n:]
	}
	return out, nil
}

func encodeIIM(ds []dataset) ([]byte, error) {
	var b bytes.Buffer
	for _, d := range ds {
		if len(d.data) > 0x7FFF {
			return nil, fmt.Errorf("IIM %d:%02d: %d bytes is too long", d.rec, d.num, len(d.data))
		}
		b.Write([]byte{0x1C, d.rec, d.num, byte(len(d.data) >> 8), byte(len(d.data))})
		b.Write(d.data)
	}
	return b.Bytes(), nil
}

// iimField maps one Fields member to a record 2 dataset, with the byte limit
// from IIM 4.2 chapter 6.
type iimField struct {
	num    byte
	name   string // Fields JSON name
	limit  int
	repeat bool
	get    func(*Fields) []string
	set    func(*Fields, []string)
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func str(p func(*Fields) *string) (func(*Fields) []string, func(*Fields, []string)) {
	return func(f *Fields) []string { return one(*p(f)) }, func(f *Fields, v []string) { *p(f) = first(v) }
}

func iimStr(num byte, name string, limit int, p func(*Fields) *string) iimField {
	g, s := str(p)
	return iimField{num: num, name: name, limit: limit, get: g, set: s}
}

// iimFields are the managed record 2 datasets. 2:55/2:60 (date and time
// created) are handled separately because they need conversion.
var iimFields = []iimField{
	iimStr(5, "title", 64, func(f *Fields) *string { return &f.Title }),
	{num: 25, name: "keywords", limit: 64, repeat: true,
		get: func(f *Fields) []string { return f.Keywords }, set: func(f *Fields, v []string) { f.Keywords = v }},
	iimStr(40, "instructions", 256, func(f *Fields) *string { return &f.Instructions }),
	{num: 80, name: "creator", limit: 32, repeat: true,
		get: func(f *Fields) []string { return f.Creator }, set: func(f *Fields, v []string) { f.Creator = v }},
	iimStr(85, "creatorTitle", 32, func(f *Fields) *string { return &f.CreatorTitle }),
	iimStr(90, "city", 32, func(f *Fields) *string { return &f.City }),
	iimStr(92, "subLocation", 32, func(f *Fields) *string { return &f.SubLocation }),
	iimStr(95, "province", 32, func(f *Fields) *string { return &f.Province }),
	iimStr(100, "countryCode", 3, func(f *Fields) *string { return &f.CountryCode }),
	iimStr(101, "country", 64, func(f *Fields) *string { return &f.Country }),
	iimStr(103, "jobId", 32, func(f *Fields) *string { return &f.JobID }),
	iimStr(105, "headline", 256, func(f *Fields) *string { return &f.Headline }),
	iimStr(110, "credit", 32, func(f *Fields) *string { return &f.Credit }),
	iimStr(115, "source", 32, func(f *Fields) *string { return &f.Source }),
	iimStr(116, "copyright", 128, func(f *Fields) *string { return &f.Copyright }),
	iimStr(120, "caption", 2000, func(f *Fields) *string { return &f.Caption }),
	iimStr(122, "captionWriter", 32, func(f *Fields) *string { return &f.CaptionWriter }),
}

const (
	dsDate = 55 // 2:55 Date Created, CCYYMMDD
	dsTime = 60 // 2:60 Time Created, HHMMSS±HHMM
)

// managedIIM reports whether Write owns dataset 2:num.
func managedIIM(num byte) bool {
	if num == dsDate || num == dsTime {
		return true
	}
	for _, f := range iimFields {
		if f.num == num {
			return true
		}
	}
	return false
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// latin1ToUTF8 decodes IIM text written without 1:90 that is not valid
// UTF-8; such files almost always used ISO 8859-1 / Windows-1252.
func latin1ToUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return []byte(string(r))
}

// readIIM decodes the managed datasets of an IIM block into Fields.
func readIIM(ds []dataset) Fields {
	isUTF8 := false
	for _, d := range ds {
		if d.rec == 1 && d.num == 90 && bytes.Equal(d.data, utf8Escape) {
			isUTF8 = true
		}
	}
	text := func(b []byte) string {
		if !isUTF8 {
			b = latin1ToUTF8(b)
		}
		return string(bytes.ToValidUTF8(bytes.TrimRight(b, "\x00"), []byte("\uFFFD")))
	}
	var f Fields
	vals := map[byte][]string{}
	for _, d := range ds {
		if d.rec == 2 {
			vals[d.num] = append(vals[d.num], text(d.data))
		}
	}
	for _, m := range iimFields {
		if v := vals[m.num]; len(v) > 0 {
			if !m.repeat {
				v = v[:1]
			}
			m.set(&f, v)
		}
	}
	if d := first(vals[dsDate]); d != "" {
		f.DateCreated = iimToDate(d, first(vals[dsTime]))
	}
	return f
}

var (
	iimDateRe = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	iimTimeRe = regexp.MustCompile(`^(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})(\d{2}))?$`)
	// xmpDateRe is the XMP date form (ISO 8601 subset, XMP Part 1 8.2.1.1).
	xmpDateRe = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$`)
)

// iimToDate turns 2:55 (and 2:60) into the XMP date form.
func iimToDate(d, t string) string {
	m := iimDateRe.FindStringSubmatch(d)
	if m == nil {
		return d
	}
	out := m[1]
	if m[2] != "00" {
		out += "-" + m[2]
		if m[3] != "00" {
			out += "-" + m[3]
		}
	}
	if tm := iimTimeRe.FindStringSubmatch(t); tm != nil && m[3] != "00" {
		out += "T" + tm[1] + ":" + tm[2] + ":" + tm[3]
		if tm[4] != "" {
			out += tm[4] + tm[5] + ":" + tm[6]
		}
	}
	return out
}

// dateToIIM converts "2019-08-21" or "2019-08-21T10:30:00+07:00" to 2:55 and,
// when a time with a zone is given, 2:60 (IIM requires the zone).
func dateToIIM(s string) (date, tim string, err error) {
	m := xmpDateRe.FindStringSubmatch(s)
	if m == nil {
		return "", "", fmt.Errorf("%w: dateCreated %q: want 2019-08-21 or 2019-08-21T10:30:00+07:00", ErrInvalidField, s)
	}
	mo, d := m[2], m[3]
	if mo == "" {
		mo = "00"
	}
	if d == "" {
		d = "00"
	}
	date = m[1] + mo + d
	if m[4] != "" && m[7] != "" {
		sec := m[6]
		if sec == "" {
			sec = "00"
		}
		zone := "+0000"
		if m[7] != "Z" {
			zone = m[7][:3] + m[7][4:]
		}
		tim = m[4] + m[5] + sec + zone
	}
	return date, tim, nil
}

// buildIIM returns the new IIM block: the datasets of old that Write does not
// manage, 1:90 set to UTF-8, and the managed datasets from f. Values over
// their IIM limit are cut and reported.
func buildIIM(old []dataset, f Fields, rep *Report) ([]byte, error) {
	wasUTF8 := false
	for _, d := range old {
		if d.rec == 1 && d.num == 90 {
			wasUTF8 = bytes.Equal(d.data, utf8Escape)
		}
	}
	var ds []dataset
	for _, d := range old {
		switch {
		case d.rec == 1 && d.num == 90, d.rec == 2 && d.num == 0:
			continue // written below
		case d.rec == 2 && managedIIM(d.num):
			continue
		case d.rec == 2 && !wasUTF8 && d.num < 200:
			// Kept text now declared UTF-8: convert legacy 8-bit text.
			d.data = latin1ToUTF8(d.data)
		}
		ds = append(ds, d)
	}
	ds = append(ds,
		dataset{rec: 1, num: 90, data: utf8Escape},
		dataset{rec: 2, num: 0, data: []byte{0, 4}}, // record version 4
	)
	for _, m := range iimFields {
		for i, v := range m.get(&f) {
			if v == "" {
				continue
			}
			c := cutUTF8(v, m.limit)
			if len(c) < len(v) {
				name := m.name
				if m.repeat {
					name = fmt.Sprintf("%s[%d]", m.name, i)
				}
				rep.Truncated = append(rep.Truncated, Truncation{Field: name, Dataset: fmt.Sprintf("2:%02d", m.num), Limit: m.limit, Original: len(v), Kept: len(c)})
			}
			ds = append(ds, dataset{rec: 2, num: m.num, data: []byte(c)})
		}
	}
	if f.DateCreated != "" {
		d, t, err := dateToIIM(f.DateCreated)
		if err != nil {
			return nil, err
		}
		ds = append(ds, dataset{rec: 2, num: dsDate, data: []byte(d)})
		if t != "" {
			ds = append(ds, dataset{rec: 2, num: dsTime, data: []byte(t)})
		}
	}
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].rec != ds[j].rec {
			return ds[i].rec < ds[j].rec
		}
		return ds[i].num < ds[j].num
	})
	return encodeIIM(ds)
}
