package photoinfo

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// exifDateRe is "2014:09:01 15:03:47"; dashes and a T are accepted too,
	// and anything after the seconds (sub-seconds, junk) is ignored.
	exifDateRe = regexp.MustCompile(`^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})`)
	// xmpDateRe is the XMP date form (XMP Part 1, 8.2.1.1) with at least a
	// full date; EXIF-style colons are accepted as some writers use them.
	xmpDateRe = regexp.MustCompile(`^(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$`)
	// partialDateRe is a year or year-month: valid XMP, too vague for Taken.
	partialDateRe = regexp.MustCompile(`^\d{4}(-\d{2})?$`)
	offsetRe      = regexp.MustCompile(`^([+-])(\d{2}):?(\d{2})$`)
)

// taken picks the date taken; see the package comment for the order.
// dateCreated is Fields.DateCreated (photoshop:DateCreated, else IIM).
func taken(t *tags, dateCreated string, w *warnings) (time.Time, bool) {
	fromFields, fieldsZone, fieldsOK := parseXMPDate(dateCreated, w)
	for _, c := range []struct{ date, offset, name string }{
		{text(t.exif["DateTimeOriginal"]), text(t.exif["OffsetTimeOriginal"]), "DateTimeOriginal"},
		{text(t.exif["CreateDate"]), text(t.exif["OffsetTimeDigitized"]), "CreateDate"},
	} {
		clock, ok := parseEXIFDate(c.date, c.name, w)
		if !ok {
			continue
		}
		if loc := parseOffset(c.offset, w); loc != nil {
			return withZone(clock, loc), true
		}
		// MWG: an XMP/IIM date with the same clock reading lends its zone.
		if fieldsOK && fieldsZone != nil && sameClock(clock, fromFields) {
			return withZone(clock, fieldsZone), true
		}
		return clock, false
	}
	for _, s := range []string{dateCreated, text(t.xmp[nsExif+"DateTimeOriginal"]), text(t.xmp[nsXMP+"CreateDate"])} {
		if clock, zone, ok := parseXMPDate(s, w); ok {
			if zone != nil {
				return withZone(clock, zone), true
			}
			return clock, false
		}
	}
	return time.Time{}, false
}

// parseEXIFDate reads an EXIF date as a clock reading in Floating. Blank and
// all-zero values mean "unknown" and are not warned about.
func parseEXIFDate(s, name string, w *warnings) (time.Time, bool) {
	if strings.Trim(s, " :0-") == "" {
		return time.Time{}, false
	}
	m := exifDateRe.FindStringSubmatch(s)
	if m == nil {
		w.addf("The date %s %q could not be understood and was ignored.", name, s)
		return time.Time{}, false
	}
	t, ok := clock(m[1], m[2], m[3], m[4], m[5], m[6])
	if !ok {
		w.addf("The date %s %q is not a real date and was ignored.", name, s)
	}
	return t, ok
}

// parseXMPDate reads an XMP date: the clock reading in Floating and, when
// the value has one, its zone.
func parseXMPDate(s string, w *warnings) (time.Time, *time.Location, bool) {
	if s == "" || partialDateRe.MatchString(s) {
		return time.Time{}, nil, false
	}
	m := xmpDateRe.FindStringSubmatch(s)
	if m == nil {
		w.addf("The date %q could not be understood and was ignored.", s)
		return time.Time{}, nil, false
	}
	t, ok := clock(m[1], m[2], m[3], m[4], m[5], m[6])
	if !ok {
		w.addf("The date %q is not a real date and was ignored.", s)
		return time.Time{}, nil, false
	}
	var zone *time.Location
	if m[4] != "" && m[7] != "" { // a zone only means something with a time
		zone = parseOffset(m[7], w)
	}
	return t, zone, true
}

// clock builds a time in Floating from decimal fields; ok is false for
// impossible dates such as month 13 (time.Date would roll them over).
func clock(y, mo, d, h, mi, s string) (time.Time, bool) {
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	Y, M, D, H, Mi, S := n(y), n(mo), n(d), n(h), n(mi), n(s)
	t := time.Date(Y, time.Month(M), D, H, Mi, S, 0, Floating)
	if t.Year() != Y || int(t.Month()) != M || t.Day() != D || t.Hour() != H || t.Minute() != Mi || t.Second() != S {
		return time.Time{}, false
	}
	return t, true
}

// parseOffset reads "+07:00", "-0500" or "Z"; nil when absent or invalid.
func parseOffset(s string, w *warnings) *time.Location {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if s == "Z" {
		return time.UTC
	}
	m := offsetRe.FindStringSubmatch(s)
	if m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		if sec := h*3600 + mi*60; mi < 60 && sec <= 14*3600 {
			if m[1] == "-" {
				sec = -sec
			}
			return time.FixedZone(s[:3]+":"+s[len(s)-2:], sec)
		}
	}
	w.addf("The time zone %q is not valid and was ignored.", s)
	return nil
}

func withZone(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}

func sameClock(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}
