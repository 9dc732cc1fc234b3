package housestyle

import (
	"testing"
	"time"
)

const mensos = "Menteri Sosial Agus Gumiwang Kartasasmita menyerahkan bantuan kepada warga"

// at returns a time with a fixed offset of the given hours, as a camera that
// writes EXIF OffsetTimeOriginal would give it.
func at(offsetHours int, year int, month time.Month, day, hour, min int) time.Time {
	return time.Date(year, month, day, hour, min, 0, 0, time.FixedZone("", offsetHours*3600))
}

// wall returns a time without a real zone: EXIF DateTimeOriginal alone.
func wall(year int, month time.Month, day, hour, min int) time.Time {
	return time.Date(year, month, day, hour, min, 0, 0, time.UTC)
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"brief example", Input{Caption: mensos, Place: "Jakarta Pusat", Province: "DKI Jakarta",
			Taken: wall(2019, 8, 21, 10, 30), Credit: "Masran Rauf"},
			mensos + ", Jakarta Pusat, Rabu (21/8/2019). (Foto: Masran Rauf)"},
		{"brief example with offset", Input{Caption: mensos, Place: "Jakarta Pusat", Province: "DKI Jakarta",
			Taken: at(7, 2019, 8, 21, 10, 30), HasOffset: true, Credit: "Masran Rauf", WithTime: true},
			mensos + ", Jakarta Pusat, Rabu (21/8/2019) pukul 10.30 WIB. (Foto: Masran Rauf)"},

		// A camera still set to Jakarta time (+07:00) late in the evening: in
		// WITA and WIT it is already the next day.
		{"WITA Bali crosses midnight", Input{Caption: "Wisatawan menyaksikan upacara Melasti", Place: "Denpasar",
			Province: "Bali", Taken: at(7, 2019, 8, 21, 23, 30), HasOffset: true, WithTime: true},
			"Wisatawan menyaksikan upacara Melasti, Denpasar, Kamis (22/8/2019) pukul 00.30 WITA."},
		{"WITA Sulawesi Selatan", Input{Caption: "Pelabuhan Paotere", Place: "Makassar",
			Province: "Sulawesi Selatan", Taken: at(7, 2023, 3, 31, 23, 5), HasOffset: true},
			"Pelabuhan Paotere, Makassar, Sabtu (1/4/2023)."},
		{"WITA Sulsel abbreviation, English", Input{Caption: "Paotere harbour", Place: "Makassar",
			Province: "sulsel", Taken: at(7, 2023, 3, 31, 23, 5), HasOffset: true, Lang: "en", WithTime: true},
			"Paotere harbour, Makassar, Saturday (April 1, 2023) at 00:05 WITA."},
		{"WIT Papua crosses the year", Input{Caption: "Warga merayakan tahun baru", Place: "Jayapura",
			Province: "Papua", Taken: at(7, 2019, 12, 31, 22, 15), HasOffset: true, WithTime: true, Credit: "Yance Wenda"},
			"Warga merayakan tahun baru, Jayapura, Rabu (1/1/2020) pukul 00.15 WIT. (Foto: Yance Wenda)"},
		{"WIT Maluku", Input{Caption: "Nelayan menurunkan ikan", Place: "Ambon",
			Province: "Maluku", Taken: at(7, 2024, 2, 29, 23, 0), HasOffset: true},
			"Nelayan menurunkan ikan, Ambon, Jumat (1/3/2024)."},
		{"WIT from UTC", Input{Caption: "Upacara bendera", Place: "Sorong",
			Province: "Papua Barat Daya", Taken: at(0, 2024, 8, 17, 0, 30), HasOffset: true, WithTime: true},
			"Upacara bendera, Sorong, Sabtu (17/8/2024) pukul 09.30 WIT."},
		{"WIB from WITA offset", Input{Caption: "Rapat", Place: "Bandung",
			Province: "Jawa Barat", Taken: at(8, 2024, 1, 1, 0, 30), HasOffset: true, WithTime: true},
			"Rapat, Bandung, Minggu (31/12/2023) pukul 23.30 WIB."},

		{"no offset: wall clock kept", Input{Caption: "Rapat", Place: "Jayapura", Province: "Papua",
			Taken: wall(2019, 8, 21, 23, 30), WithTime: true},
			"Rapat, Jayapura, Rabu (21/8/2019) pukul 23.30 WIT."},
		{"no offset, Location ignored", Input{Caption: "Rapat", Place: "Denpasar", Province: "Bali",
			Taken: at(-5, 2019, 8, 21, 23, 30), WithTime: true},
			"Rapat, Denpasar, Rabu (21/8/2019) pukul 23.30 WITA."},

		{"unknown province, no offset", Input{Caption: "Rapat", Place: "Kuala Lumpur", Province: "Selangor",
			Taken: wall(2019, 8, 21, 9, 5), WithTime: true},
			"Rapat, Kuala Lumpur, Rabu (21/8/2019) pukul 09.05."},
		{"unknown province, +08:00 is WITA", Input{Caption: "Rapat", Place: "Kuala Lumpur",
			Taken: at(8, 2019, 8, 21, 9, 5), HasOffset: true, WithTime: true},
			"Rapat, Kuala Lumpur, Rabu (21/8/2019) pukul 09.05 WITA."},
		{"unknown province, +05:30", Input{Caption: "KTT G20", Place: "New Delhi",
			Taken: time.Date(2023, 9, 9, 10, 0, 0, 0, time.FixedZone("", 5*3600+1800)), HasOffset: true, WithTime: true, Lang: "en"},
			"KTT G20, New Delhi, Saturday (Sept. 9, 2023) at 10:00 UTC+5:30."},
		{"unknown province, -03:00 without time", Input{Caption: "Rapat", Place: "Sao Paulo",
			Taken: at(-3, 2023, 10, 9, 10, 0), HasOffset: true},
			"Rapat, Sao Paulo, Senin (9/10/2023)."},
		{"unknown province, UTC", Input{Caption: "Rapat", Place: "London",
			Taken: at(0, 2023, 11, 9, 10, 0), HasOffset: true, WithTime: true},
			"Rapat, London, Kamis (9/11/2023) pukul 10.00 UTC."},

		{"English", Input{Caption: "Social Affairs Minister Agus Gumiwang Kartasasmita hands over aid to residents",
			Place: "Jakarta Pusat", Province: "DKI Jakarta", Taken: wall(2019, 8, 21, 10, 30),
			Credit: "Masran Rauf", Lang: "en"},
			"Social Affairs Minister Agus Gumiwang Kartasasmita hands over aid to residents, Jakarta Pusat, Wednesday (Aug. 21, 2019). (Photo: Masran Rauf)"},
		{"English with time", Input{Caption: "Aid", Place: "Jakarta Pusat", Province: "Jakarta",
			Taken: wall(2019, 8, 21, 10, 30), Lang: "EN-us", WithTime: true},
			"Aid, Jakarta Pusat, Wednesday (Aug. 21, 2019) at 10:30 WIB."},
		{"English months in full", Input{Caption: "Aid", Taken: wall(2019, 6, 2, 0, 0), Lang: "en"},
			"Aid, Sunday (June 2, 2019)."},

		{"empty caption", Input{Place: "Jakarta Pusat", Taken: wall(2019, 8, 21, 10, 30), Credit: "X"},
			"Jakarta Pusat, Rabu (21/8/2019). (Foto: X)"},
		{"only credit", Input{Credit: "Masran Rauf"}, "(Foto: Masran Rauf)"},
		{"only date", Input{Taken: wall(2019, 8, 21, 10, 30)}, "Rabu (21/8/2019)."},
		{"nothing", Input{}, ""},
		{"caption only gets its period", Input{Caption: "  Warga antre bantuan  "}, "Warga antre bantuan."},
		{"no place", Input{Caption: "Warga antre", Taken: wall(2019, 8, 21, 10, 30)}, "Warga antre, Rabu (21/8/2019)."},
		{"no date", Input{Caption: "Warga antre", Place: "Bekasi", Credit: "A"}, "Warga antre, Bekasi. (Foto: A)"},
		{"blank parts", Input{Caption: " . ", Place: " , ", Credit: "  "}, ""},
		{"trailing punctuation normalised", Input{Caption: "Warga antre bantuan... ;\n", Place: "Bekasi."},
			"Warga antre bantuan, Bekasi."},
		{"question mark kept", Input{Caption: "Siapa yang datang?", Credit: "A"}, "Siapa yang datang? (Foto: A)"},
		{"credit label not doubled", Input{Caption: "A", Credit: "Foto: Masran Rauf"}, "A. (Foto: Masran Rauf)"},
		{"credit with agency", Input{Caption: "A", Credit: "ANTARA (Masran Rauf)"}, "A. (Foto: ANTARA (Masran Rauf))"},
		{"credit unbalanced", Input{Caption: "A", Credit: "Masran Rauf)"}, "A. (Foto: Masran Rauf)"},
		{"place on one line", Input{Caption: "A", Place: "Jakarta\n Pusat"}, "A, Jakarta Pusat."},

		// Replacing an earlier tail.
		{"old tail replaced", Input{Caption: "Warga antre, Jakarta Pusat, Rabu (21/8/2019). (Foto: A)",
			Place: "Jakarta Pusat", Taken: wall(2019, 8, 22, 10, 30), Credit: "B"},
			"Warga antre, Jakarta Pusat, Kamis (22/8/2019). (Foto: B)"},
		{"English tail replaced by Indonesian", Input{Caption: "Warga antre, Bekasi, Wednesday (Aug. 21, 2019) at 10:30 WIB. (Photo: A)",
			Place: "Bekasi", Taken: wall(2019, 8, 21, 10, 30), Credit: "A"},
			"Warga antre, Bekasi, Rabu (21/8/2019). (Foto: A)"},
		{"date removed when unknown", Input{Caption: "Warga antre, Rabu (21/8/2019) pukul 10.30 WITA.", Credit: "A"},
			"Warga antre. (Foto: A)"},
		{"place added to an old date-only tail", Input{Caption: "Warga antre, Rabu (21/8/2019).",
			Place: "Bekasi", Taken: wall(2019, 8, 21, 10, 30)},
			"Warga antre, Bekasi, Rabu (21/8/2019)."},
		{"caption ending with a place name is kept", Input{Caption: "Presiden meresmikan Jalan Tol Cibitung, Bekasi",
			Place: "Jawa Barat", Credit: "A"},
			"Presiden meresmikan Jalan Tol Cibitung, Bekasi, Jawa Barat. (Foto: A)"},
		{"caption mentioning a credit-like text inside is kept", Input{Caption: "Pameran (Foto: sejarah) di museum",
			Credit: "A"}, "Pameran (Foto: sejarah) di museum. (Foto: A)"},
		{"the same place is not repeated", Input{Caption: "Warga antre, Bekasi.", Place: "bekasi"},
			"Warga antre, bekasi."},
		{"date-like text without comma is kept", Input{Caption: "Catatan Rabu (21/8/2019)", Credit: "A"},
			"Catatan Rabu (21/8/2019). (Foto: A)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(tt.in)
			if got != tt.want {
				t.Errorf("Build:\n got %q\nwant %q", got, tt.want)
			}
			again := tt.in
			again.Caption = got
			if got2 := Build(again); got2 != got {
				t.Errorf("not idempotent:\nonce  %q\ntwice %q", got, got2)
			}
		})
	}
}

func TestZone(t *testing.T) {
	tests := []struct {
		province, abbr string
	}{
		{"DKI Jakarta", WIB}, {"Jakarta", WIB}, {"dki  jakarta", WIB}, {"D.K.I. Jakarta", WIB},
		{"Provinsi Jawa Barat", WIB}, {"Jabar", WIB}, {"West Java", WIB}, {"West Java Province", WIB},
		{"Bangka Belitung", WIB}, {"Kepulauan Bangka Belitung", WIB}, {"DIY", WIB}, {"Yogyakarta", WIB},
		{"Nanggroe Aceh Darussalam", WIB}, {"Kalimantan Tengah", WIB}, {"Kalimantan Barat", WIB},
		{"Bali", WITA}, {"BALI", WITA}, {"Balí", WITA}, {"NTB", WITA}, {"Nusa Tenggara Barat", WITA},
		{"nusa tenggara timur", WITA}, {"Kalimantan Utara", WITA}, {"Kalimantan Timur", WITA},
		{"Sulawesi Selatan", WITA}, {"South Sulawesi", WITA}, {"Gorontalo", WITA},
		{"Papua", WIT}, {"Maluku", WIT}, {"Maluku Utara", WIT}, {"Papua Barat Daya", WIT},
		{"Papua Selatan", WIT}, {"Papua Tengah", WIT}, {"Papua Pegunungan", WIT}, {"Highland Papua", WIT},
		{"Prov. Papua Barat", WIT},
		{"", ""}, {"Selangor", ""}, {"Provinsi", ""}, {"Jakarta Pusat", ""},
	}
	for _, tt := range tests {
		loc, abbr, ok := Zone(tt.province)
		if abbr != tt.abbr || ok != (tt.abbr != "") || (loc == nil) == ok {
			t.Errorf("Zone(%q) = %v, %q, %v; want %q", tt.province, loc, abbr, ok, tt.abbr)
		}
		if ok && loc.String() != zoneInfo[abbr].iana {
			t.Errorf("Zone(%q) location = %s, want %s", tt.province, loc, zoneInfo[abbr].iana)
		}
	}
}

func TestAllProvinces(t *testing.T) {
	names := Provinces()
	if len(names) != 38 {
		t.Fatalf("%d provinces, want 38", len(names))
	}
	count := map[string]int{}
	for _, name := range names {
		_, abbr, ok := Zone(name)
		if !ok {
			t.Errorf("Zone(%q) not found", name)
		}
		count[abbr]++
	}
	// 18 provinces in WIB, 12 in WITA, 8 in WIT.
	if count[WIB] != 18 || count[WITA] != 12 || count[WIT] != 8 {
		t.Errorf("zones: %v", count)
	}
	// No alias may point at two zones; building the table would silently
	// keep the last one.
	seen := map[string]string{}
	for _, p := range provinces {
		for _, n := range append([]string{p.name}, p.aliases...) {
			if z, dup := seen[fold(n)]; dup && z != p.zone {
				t.Errorf("%q is in %s and %s", n, z, p.zone)
			}
			seen[fold(n)] = p.zone
		}
	}
}

func TestUTCOffset(t *testing.T) {
	for offset, want := range map[int]string{
		0: "UTC", 3600: "UTC+1", -3 * 3600: "UTC-3", 5*3600 + 1800: "UTC+5:30",
		-(9*3600 + 1800): "UTC-9:30", 7*3600 + 7*60 + 12: "UTC+7:07:12",
	} {
		if got := utcOffset(offset); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", offset, got, want)
		}
	}
}

// FuzzBuildIdempotent checks Build(Build(x)) == Build(x) for any input.
func FuzzBuildIdempotent(f *testing.F) {
	f.Add(mensos, "Jakarta Pusat", "DKI Jakarta", int64(1566358200), 7*60, true, "Masran Rauf", "id", true)
	f.Add("Warga, Bekasi, Rabu (21/8/2019). (Foto: A)", "Bekasi", "", int64(0), 0, false, "B", "en", false)
	f.Add("A (Foto: b)", "(Foto: c)", "Bali", int64(-1e9), 330, true, "x(y)", "id", true)
	f.Add("?", ".", "Papua", int64(4e9), -180, false, ")(", "en", true)
	f.Fuzz(func(t *testing.T, caption, place, province string, unix int64, offsetMin int, hasOffset bool, credit, lang string, withTime bool) {
		in := Input{Caption: caption, Place: place, Province: province, HasOffset: hasOffset,
			Credit: credit, Lang: lang, WithTime: withTime}
		if unix != 0 {
			// Years 0001..9999, offsets within ±18h like real zones.
			unix %= 250e9
			offsetMin %= 18 * 60
			in.Taken = time.Unix(unix, 0).In(time.FixedZone("", offsetMin*60))
		}
		once := Build(in)
		in.Caption = once
		if twice := Build(in); twice != once {
			t.Errorf("not idempotent:\nonce  %q\ntwice %q", once, twice)
		}
	})
}
