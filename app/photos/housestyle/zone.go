package housestyle

import (
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones must work on Windows, which has no zoneinfo database
)

// The three Indonesian time zones. Indonesia has no daylight saving time.
const (
	WIB  = "WIB"  // Waktu Indonesia Barat, UTC+7, Asia/Jakarta
	WITA = "WITA" // Waktu Indonesia Tengah, UTC+8, Asia/Makassar
	WIT  = "WIT"  // Waktu Indonesia Timur, UTC+9, Asia/Jayapura
)

// zoneInfo names the IANA location and the fixed offset of each abbreviation.
var zoneInfo = map[string]struct {
	iana   string
	offset int // seconds east of UTC
}{
	WIB:  {"Asia/Jakarta", 7 * 3600},
	WITA: {"Asia/Makassar", 8 * 3600},
	WIT:  {"Asia/Jayapura", 9 * 3600},
}

// locations loads the three locations once. With time/tzdata embedded
// LoadLocation cannot fail in practice; should it, a fixed zone with the same
// offset is used, which is correct for every date since 1988.
var locations = sync.OnceValue(func() map[string]*time.Location {
	m := make(map[string]*time.Location, len(zoneInfo))
	for abbr, z := range zoneInfo {
		loc, err := time.LoadLocation(z.iana)
		if err != nil {
			loc = time.FixedZone(abbr, z.offset)
		}
		m[abbr] = loc
	}
	return m
})

// province is one of the 38 provinces with the names it is known by.
type province struct {
	name    string   // official Indonesian name
	zone    string   // WIB, WITA or WIT
	aliases []string // other spellings, abbreviations and English names
}

// provinces lists all 38 provinces (after the 2022 Papua split), west to east.
var provinces = []province{
	// WIB
	{"Aceh", WIB, []string{"Nanggroe Aceh Darussalam", "NAD", "Daerah Istimewa Aceh"}},
	{"Sumatera Utara", WIB, []string{"Sumatra Utara", "Sumut", "North Sumatra", "North Sumatera"}},
	{"Sumatera Barat", WIB, []string{"Sumatra Barat", "Sumbar", "West Sumatra", "West Sumatera"}},
	{"Riau", WIB, nil},
	{"Kepulauan Riau", WIB, []string{"Kepri", "Riau Islands"}},
	{"Jambi", WIB, nil},
	{"Sumatera Selatan", WIB, []string{"Sumatra Selatan", "Sumsel", "South Sumatra", "South Sumatera"}},
	{"Kepulauan Bangka Belitung", WIB, []string{"Bangka Belitung", "Babel", "Bangka Belitung Islands"}},
	{"Bengkulu", WIB, nil},
	{"Lampung", WIB, nil},
	{"DKI Jakarta", WIB, []string{"Jakarta", "Daerah Khusus Ibukota Jakarta", "Daerah Khusus Ibu Kota Jakarta",
		"Daerah Khusus Jakarta", "DKJ", "Jakarta Raya", "Jakarta Special Capital Region"}},
	{"Jawa Barat", WIB, []string{"Jabar", "West Java"}},
	{"Banten", WIB, nil},
	{"Jawa Tengah", WIB, []string{"Jateng", "Central Java"}},
	{"DI Yogyakarta", WIB, []string{"Daerah Istimewa Yogyakarta", "DIY", "Yogyakarta", "Jogjakarta", "Jogja", "Yogya",
		"Special Region of Yogyakarta"}},
	{"Jawa Timur", WIB, []string{"Jatim", "East Java"}},
	{"Kalimantan Barat", WIB, []string{"Kalbar", "West Kalimantan"}},
	{"Kalimantan Tengah", WIB, []string{"Kalteng", "Central Kalimantan"}},
	// WITA
	{"Bali", WITA, nil},
	{"Nusa Tenggara Barat", WITA, []string{"NTB", "West Nusa Tenggara"}},
	{"Nusa Tenggara Timur", WITA, []string{"NTT", "East Nusa Tenggara"}},
	{"Kalimantan Selatan", WITA, []string{"Kalsel", "South Kalimantan"}},
	{"Kalimantan Timur", WITA, []string{"Kaltim", "East Kalimantan"}},
	{"Kalimantan Utara", WITA, []string{"Kaltara", "North Kalimantan"}},
	{"Sulawesi Utara", WITA, []string{"Sulut", "North Sulawesi"}},
	{"Gorontalo", WITA, nil},
	{"Sulawesi Tengah", WITA, []string{"Sulteng", "Central Sulawesi"}},
	{"Sulawesi Barat", WITA, []string{"Sulbar", "West Sulawesi"}},
	{"Sulawesi Selatan", WITA, []string{"Sulsel", "South Sulawesi"}},
	{"Sulawesi Tenggara", WITA, []string{"Sultra", "Southeast Sulawesi", "South East Sulawesi"}},
	// WIT
	{"Maluku", WIT, nil},
	{"Maluku Utara", WIT, []string{"Malut", "North Maluku"}},
	{"Papua", WIT, []string{"Irian Jaya"}},
	{"Papua Barat", WIT, []string{"West Papua", "Pabar"}},
	{"Papua Selatan", WIT, []string{"South Papua"}},
	{"Papua Tengah", WIT, []string{"Central Papua"}},
	{"Papua Pegunungan", WIT, []string{"Highland Papua", "Papua Highlands"}},
	{"Papua Barat Daya", WIT, []string{"Southwest Papua", "South West Papua"}},
}

// islands are names that are not provinces but lie wholly in one zone, so a
// user who types them gets the right zone.
var islands = map[string]string{
	"Sumatera": WIB, "Sumatra": WIB, "Jawa": WIB, "Java": WIB,
	"Sulawesi": WITA, "Nusa Tenggara": WITA,
}

// zoneByKey maps a folded name (see fold) to its zone abbreviation.
var zoneByKey = sync.OnceValue(func() map[string]string {
	m := make(map[string]string)
	for _, p := range provinces {
		m[fold(p.name)] = p.zone
		for _, a := range p.aliases {
			m[fold(a)] = p.zone
		}
	}
	for name, zone := range islands {
		m[fold(name)] = zone
	}
	return m
})

// Provinces returns the official names of the 38 provinces, west to east,
// e.g. for a suggestion list.
func Provinces() []string {
	names := make([]string, len(provinces))
	for i, p := range provinces {
		names[i] = p.name
	}
	return names
}

// Zone returns the time zone of an Indonesian province: its location, its
// abbreviation (WIB, WITA or WIT) and whether the province was recognised.
// Matching ignores case, accents, spaces and punctuation, a leading
// "Provinsi"/"Prov." and a trailing "Province", and accepts the common
// abbreviations (DKI, Jabar, NTB, Kaltara…) and English names (West Java).
func Zone(provinceName string) (loc *time.Location, abbr string, ok bool) {
	key := fold(provinceName)
	for _, prefix := range []string{"provinsi", "propinsi", "provinceof", "prov"} {
		if k, found := strings.CutPrefix(key, prefix); found && k != "" {
			key = k
			break
		}
	}
	if k, found := strings.CutSuffix(key, "province"); found && k != "" {
		key = k
	}
	abbr, ok = zoneByKey()[key]
	if !ok {
		return nil, "", false
	}
	return locations()[abbr], abbr, true
}

// zoneForOffset names an offset in seconds east of UTC as one of the three
// Indonesian zones, or returns "".
func zoneForOffset(offset int) string {
	for abbr, z := range zoneInfo {
		if z.offset == offset {
			return abbr
		}
	}
	return ""
}

// accents folds the accented Latin letters people actually type in place
// names to ASCII. The standard library has no Unicode normaliser, and the
// province names are ASCII, so a small table is enough.
var accents = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"è", "e", "é", "e", "ê", "e", "ë", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i",
	"ò", "o", "ó", "o", "ô", "o", "ö", "o", "õ", "o",
	"ù", "u", "ú", "u", "û", "u", "ü", "u",
	"ñ", "n", "ç", "c", "ý", "y", "ÿ", "y",
)

// fold lowercases s, folds accents and keeps only ASCII letters and digits, so
// "D.K.I. Jakarta", "dki  jakarta" and "DKI-Jakarta" are the same key.
func fold(s string) string {
	s = accents.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
