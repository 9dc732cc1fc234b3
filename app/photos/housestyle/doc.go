// Package housestyle writes the line an Indonesian photo desk puts at the end
// of a caption: place, day and date, optionally the time, and the credit.
//
//	Menteri Sosial Agus Gumiwang Kartasasmita menyerahkan bantuan kepada
//	warga, Jakarta Pusat, Rabu (21/8/2019). (Foto: Masran Rauf)
//
// The API:
//
//	Build(Input) string                     the caption with its tail
//	Zone(province) (*time.Location, abbr, ok)  WIB, WITA or WIT of a province
//	Provinces() []string                    the 38 official province names
//
// Format. Indonesian (the default): "<caption>, <Place>, <Hari> (d/m/yyyy)
// pukul HH.MM <zone>. (Foto: <Credit>)", days Senin … Minggu, no zero padding
// in the date. English: "<caption>, <Place>, <Weekday> (<Mon.> d, yyyy) at
// HH:MM <zone>. (Photo: <Credit>)" with AP month abbreviations (Jan., Feb.,
// Aug., Sept., Oct., Nov., Dec.; March to July in full). Place names are
// never translated. Empty parts are left out with their separators; the
// caption's own final punctuation (. , ; : …) is replaced by the tail's, a
// final ? or ! is kept.
//
// Time. With Input.HasOffset the moment is converted into the province's
// zone, so a camera left on Jakarta time still dates a Jayapura photo taken
// at 23:30 WIB as the next day, 01:30 WIT. If the province is not recognised
// the camera's offset is kept and named WIB/WITA/WIT for +7/+8/+9, otherwise
// "UTC+5:30" (shown only with the time). Without an offset the wall clock
// of Input.Taken is taken as local time at the place, and the zone name comes
// from the province, or is left out.
//
// Replacing a tail. A caption that already ends with a tail from an earlier
// Build, in either language, has that tail replaced, so Build is idempotent.
// The credit and the day/date part are recognised by their shape; the place
// only when it equals Input.Place (ignoring case), because a caption may end
// with a place name of its own ("…Jalan Tol Cibitung, Bekasi"). So when the
// place changes, the old place stays in the text: keep the bare description
// and build the line when the caption is written.
//
// Glossary
//
//   - WIB, WITA, WIT: Waktu Indonesia Barat/Tengah/Timur, UTC+7/+8/+9
//     (Asia/Jakarta, Asia/Makassar, Asia/Jayapura). No daylight saving time.
//   - Tail: the place, day/date and credit parts Build adds after the caption.
//   - Offset: EXIF OffsetTimeOriginal ("+07:00"); many cameras leave it out,
//     and DateTimeOriginal alone is a wall clock without a zone.
package housestyle
