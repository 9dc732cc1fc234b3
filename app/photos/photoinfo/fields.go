package photoinfo

import (
	"strings"
	"unicode/utf8"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// fieldsFromTags builds the caption fields from imagemeta's XMP, else IIM —
// the MWG order jpegmeta.Read uses, without its IPTCDigest check (imagemeta
// does not report the digest). Used for PNG and for JPEGs too damaged for
// jpegmeta.
func fieldsFromTags(t *tags) jpegmeta.Fields {
	utf8IIM := text(t.iptc["CodedCharacterSet"]) == "UTF-8"
	x := func(name string) []string { return values(t.xmp[name], false) }
	i := func(name string) []string { return values(t.iptc[name], !utf8IIM) }
	one := func(xmp, iim []string) string {
		if len(xmp) > 0 {
			return xmp[0]
		}
		if len(iim) > 0 {
			return iim[0]
		}
		return ""
	}
	many := func(xmp, iim []string) []string {
		if len(xmp) > 0 {
			return xmp
		}
		return iim
	}
	return jpegmeta.Fields{
		Caption:       one(x(nsDC+"Description"), i("Caption-Abstract")),
		Headline:      one(x(nsPhotoshop+"Headline"), i("Headline")),
		Title:         one(x(nsDC+"Title"), i("ObjectName")),
		Creator:       many(x(nsDC+"Creator"), i("By-line")),
		CreatorTitle:  one(x(nsPhotoshop+"AuthorsPosition"), i("By-lineTitle")),
		Credit:        one(x(nsPhotoshop+"Credit"), i("Credit")),
		Source:        one(x(nsPhotoshop+"Source"), i("Source")),
		Copyright:     one(x(nsDC+"Rights"), i("CopyrightNotice")),
		AltText:       one(x(nsIptcCore+"AltTextAccessibility"), nil),
		Keywords:      many(x(nsDC+"Subject"), i("Keywords")),
		City:          one(x(nsPhotoshop+"City"), i("City")),
		SubLocation:   one(x(nsIptcCore+"Location"), i("Sub-location")),
		Province:      one(x(nsPhotoshop+"State"), i("Province-State")),
		Country:       one(x(nsPhotoshop+"Country"), i("Country-PrimaryLocationName")),
		CountryCode:   one(x(nsIptcCore+"CountryCode"), i("Country-PrimaryLocationCode")),
		DateCreated:   one(x(nsPhotoshop+"DateCreated"), iimDate(t)),
		JobID:         one(x(nsPhotoshop+"TransmissionReference"), i("OriginalTransmissionReference")),
		Instructions:  one(x(nsPhotoshop+"Instructions"), i("SpecialInstructions")),
		CaptionWriter: one(x(nsPhotoshop+"CaptionWriter"), i("Writer-Editor")),
	}
}

// values turns an imagemeta value (a string, or a []string for lists and
// repeated datasets) into non-empty strings. An XMP rdf:Alt in several
// languages also arrives as a []string, without the languages; its first
// item is taken, which writers make x-default.
func values(v any, latin1 bool) []string {
	var in []string
	switch x := v.(type) {
	case string:
		in = []string{x}
	case []string:
		in = x
	}
	var out []string
	for _, s := range in {
		if latin1 {
			s = undoLatin1(s)
		}
		if s = strings.ToValidUTF8(s, "\uFFFD"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// undoLatin1 reverses imagemeta's ISO 8859-1 decoding of IIM text that has
// no 1:90 charset when the bytes were in fact UTF-8, as they almost always
// are today (jpegmeta reads such text the same way).
func undoLatin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return s
		}
		b = append(b, byte(r))
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return s
}

// iimDate joins IIM 2:55 and 2:60, which imagemeta gives as "2021:10:20"
// and "21:01:01+00:00", into the XMP form jpegmeta.Fields uses; a month or
// day of 00 (unknown) is left out, as jpegmeta does.
func iimDate(t *tags) []string {
	d := text(t.iptc["DateCreated"])
	if len(d) != 10 {
		return nil
	}
	y, m, day := d[:4], d[5:7], d[8:10]
	out := y
	if m != "00" {
		out += "-" + m
		if day != "00" {
			out += "-" + day
			if tm := text(t.iptc["TimeCreated"]); len(tm) >= 8 {
				out += "T" + tm
			}
		}
	}
	return []string{out}
}
