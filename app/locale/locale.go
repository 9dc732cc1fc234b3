// Package locale finds the language the operating system's user prefers,
// reduced to one Warta speaks.
package locale

import "strings"

// Default is used when the OS prefers a language Warta has no translation for:
// Bahasa Indonesia, our users' first language.
const Default = "id"

// Detect returns "id" or "en" from the OS's preferred locale.
func Detect() string { return Match(osLocales()) }

// Match picks the first supported language from preferred locales such as
// "en_US.UTF-8", "id-ID" or "C". Malay ("ms") reads Indonesian more easily
// than English, so it maps to "id".
func Match(preferred []string) string {
	for _, p := range preferred {
		p = strings.ToLower(p)
		if i := strings.IndexAny(p, "_-.@"); i >= 0 {
			p = p[:i]
		}
		switch p {
		case "id", "in", "ms":
			return "id"
		case "en":
			return "en"
		}
	}
	return Default
}
