package housestyle

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Input is everything that goes into one caption line.
type Input struct {
	Caption   string    // the description sentence(s); may already end with an earlier house-style tail
	Place     string    // e.g. "Jakarta Pusat", printed as given (never translated)
	Province  string    // e.g. "DKI Jakarta", "Bali", "Papua"; picks the time zone when recognised
	Taken     time.Time // when the photo was taken; zero = unknown (no day/date part)
	HasOffset bool      // Taken carries a real zone (EXIF OffsetTimeOriginal); false: its wall clock is local time at the place
	Credit    string    // photographer, e.g. "Masran Rauf"; empty = no credit part
	Lang      string    // "id" (default) or "en"
	WithTime  bool      // add the clock time and zone: "pukul 10.30 WIB" / "at 10:30 WIB"
}

// Build returns the caption in house style:
//
//	id: <caption>, <Place>, Rabu (21/8/2019) pukul 10.30 WIB. (Foto: <Credit>)
//	en: <caption>, <Place>, Wednesday (Aug. 21, 2019) at 10:30 WIB. (Photo: <Credit>)
//
// Empty parts are left out together with their separators. A house-style tail
// already at the end of Caption, in either language, is replaced rather than
// repeated, so Build is idempotent: feeding its result back in as Caption
// with the same other fields returns the same string.
func Build(in Input) string {
	en := isEnglish(in.Lang)
	place := cleanPlace(in.Place)
	credit := cleanCredit(in.Credit)
	body := stripTail(clean(in.Caption), place)

	// The first sentence: caption, place and date joined by ", ".
	var parts []string
	if body != "" {
		parts = append(parts, body)
	}
	if place != "" {
		parts = append(parts, place)
	}
	if d := dateline(in, en); d != "" {
		parts = append(parts, d)
	}
	s := strings.Join(parts, ", ")
	if s != "" && !endsSentence(s) {
		s += "."
	}

	if credit != "" {
		label := "Foto"
		if en {
			label = "Photo"
		}
		if s != "" {
			s += " "
		}
		s += "(" + label + ": " + credit + ")"
	}
	return s
}

func isEnglish(lang string) bool {
	lang = strings.ToLower(strings.TrimSpace(lang))
	return lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_")
}

// dateline returns "Rabu (21/8/2019)" or "Wednesday (Aug. 21, 2019)", with
// the time appended when in.WithTime, or "" when the time is unknown.
func dateline(in Input, en bool) string {
	if in.Taken.IsZero() {
		return ""
	}
	t := in.Taken
	loc, abbr, known := Zone(in.Province)
	switch {
	case in.HasOffset && known:
		t = t.In(loc)
	case in.HasOffset:
		// Keep the camera's own offset; name it when it is Indonesian.
		_, offset := t.Zone()
		abbr = zoneForOffset(offset)
		if abbr == "" {
			abbr = utcOffset(offset)
		}
	case !known:
		abbr = "" // local wall clock of an unknown zone
	}
	// Without an offset the wall clock of Taken is local time at the place,
	// whatever Location it happens to carry, so Date and Clock are used as is.
	year, month, day := t.Date()
	hour, minute, _ := t.Clock()

	var s string
	if en {
		s = fmt.Sprintf("%s (%s %d, %d)", t.Weekday(), apMonths[month-1], day, year)
	} else {
		s = fmt.Sprintf("%s (%d/%d/%d)", hari[t.Weekday()], day, int(month), year)
	}
	if !in.WithTime {
		return s
	}
	if en {
		s += fmt.Sprintf(" at %02d:%02d", hour, minute)
	} else {
		s += fmt.Sprintf(" pukul %02d.%02d", hour, minute)
	}
	if abbr != "" {
		s += " " + abbr
	}
	return s
}

// hari are the Indonesian day names, indexed by time.Weekday.
var hari = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

// apMonths are the months as the AP Stylebook writes them before a day.
var apMonths = [...]string{"Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}

// utcOffset formats an offset in seconds as "UTC", "UTC+5:30", "UTC-3".
func utcOffset(offset int) string {
	if offset == 0 {
		return "UTC"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	h, m, sec := offset/3600, offset/60%60, offset%60
	switch {
	case sec != 0:
		return fmt.Sprintf("UTC%s%d:%02d:%02d", sign, h, m, sec)
	case m != 0:
		return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
	}
	return fmt.Sprintf("UTC%s%d", sign, h)
}

// Cleaning. Every input is made valid UTF-8 and trimmed; place and credit
// become a single line, so the tail can always be recognised again.

func clean(s string) string {
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// oneLine collapses all runs of white space (newlines included) to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

// isSep reports whether r is punctuation that may end a caption before the
// tail is added: these are dropped, so there is exactly one sentence ending.
func isSep(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(".,;:…", r)
}

func cleanPlace(s string) string {
	return strings.TrimFunc(oneLine(s), isSep)
}

// creditLabel matches a label the user typed into the credit field themselves.
var creditLabel = regexp.MustCompile(`(?i)^(foto|photo)\s*:\s*`)

func cleanCredit(s string) string {
	s = creditLabel.ReplaceAllString(oneLine(s), "")
	if !balanced(s) {
		// An unmatched parenthesis would make "(Foto: …)" unreadable.
		s = strings.NewReplacer("(", "", ")", "").Replace(s)
	}
	return strings.TrimSpace(s)
}

// balanced reports whether the parentheses in s nest properly.
func balanced(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// endsSentence reports whether s already ends like a sentence, so no period
// is added ("Siapa yang datang?").
func endsSentence(s string) bool {
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!")
}

// Recognising an earlier tail.

// datePart matches a day/date part at the very end, in either language, with
// the optional time, preceded by ", " or at the start of the text.
var datePart = regexp.MustCompile(`(?:^|, )(?:` +
	`(?:Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu) \(\d{1,2}/\d{1,2}/-?\d+\)(?: pukul \d{2}\.\d{2}(?: ` + zonePattern + `)?)?` +
	`|` +
	`(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \((?:Jan\.|Feb\.|March|April|May|June|July|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.) \d{1,2}, -?\d+\)(?: at \d{2}:\d{2}(?: ` + zonePattern + `)?)?` +
	`)$`)

const zonePattern = `(?:WIB|WITA|WIT|UTC(?:[+-]\d{1,2}(?::\d{2}){0,2})?)`

// stripTail removes house-style tails from the end of caption until none is
// left, and returns the caption without its final punctuation. A tail is read
// from the end: a credit "(Foto: …)" or "(Photo: …)", then a day/date part,
// then the place — the place only when it is exactly place (ignoring case),
// because a caption may well end with a place name of its own.
func stripTail(caption, place string) string {
	for {
		before := caption
		caption = stripCredit(strings.TrimRightFunc(caption, unicode.IsSpace))
		caption = strings.TrimRightFunc(caption, isSep)
		if loc := datePart.FindStringIndex(caption); loc != nil {
			caption = strings.TrimRightFunc(caption[:loc[0]], isSep)
		}
		caption = stripPlace(caption, place)
		if caption == before {
			return caption
		}
	}
}

// stripCredit removes a final parenthesised "(Foto: …)"/"(Photo: …)" group.
func stripCredit(s string) string {
	if !strings.HasSuffix(s, ")") {
		return s
	}
	// Walk back to the parenthesis that opens the final group.
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
		}
		if depth == 0 {
			group := s[i:]
			if strings.HasPrefix(group, "(Foto: ") || strings.HasPrefix(group, "(Photo: ") {
				return s[:i]
			}
			return s
		}
	}
	return s
}

// stripPlace removes ", <place>" (or a caption that is only the place) from
// the end of s.
func stripPlace(s, place string) string {
	if place == "" || len(s) < len(place) {
		return s
	}
	head, tail := s[:len(s)-len(place)], s[len(s)-len(place):]
	if !strings.EqualFold(tail, place) {
		return s
	}
	if head == "" {
		return ""
	}
	if h, ok := strings.CutSuffix(head, ", "); ok {
		return strings.TrimRightFunc(h, isSep)
	}
	return s
}
