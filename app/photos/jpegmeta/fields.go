package jpegmeta

// Fields are the caption fields the caption panel edits. Write treats a
// Fields value as the complete desired state: an empty field removes that
// property from IIM and XMP.
type Fields struct {
	Caption       string   `json:"caption"`       // IIM 2:120, dc:description
	Headline      string   `json:"headline"`      // IIM 2:105, photoshop:Headline
	Title         string   `json:"title"`         // IIM 2:05 object name, dc:title
	Creator       []string `json:"creator"`       // IIM 2:80 (repeatable), dc:creator
	CreatorTitle  string   `json:"creatorTitle"`  // IIM 2:85, photoshop:AuthorsPosition
	Credit        string   `json:"credit"`        // IIM 2:110, photoshop:Credit
	Source        string   `json:"source"`        // IIM 2:115, photoshop:Source
	Copyright     string   `json:"copyright"`     // IIM 2:116, dc:rights
	AltText       string   `json:"altText"`       // XMP only: Iptc4xmpCore:AltTextAccessibility
	Keywords      []string `json:"keywords"`      // IIM 2:25 (repeatable), dc:subject
	City          string   `json:"city"`          // IIM 2:90, photoshop:City
	SubLocation   string   `json:"subLocation"`   // IIM 2:92, Iptc4xmpCore:Location
	Province      string   `json:"province"`      // IIM 2:95, photoshop:State
	Country       string   `json:"country"`       // IIM 2:101, photoshop:Country
	CountryCode   string   `json:"countryCode"`   // IIM 2:100, Iptc4xmpCore:CountryCode
	DateCreated   string   `json:"dateCreated"`   // IIM 2:55 (+2:60), photoshop:DateCreated; "2019-08-21" or "2019-08-21T10:30:00+07:00"
	JobID         string   `json:"jobId"`         // IIM 2:103, photoshop:TransmissionReference
	Instructions  string   `json:"instructions"`  // IIM 2:40, photoshop:Instructions
	CaptionWriter string   `json:"captionWriter"` // IIM 2:122, photoshop:CaptionWriter
}

// Report tells the caller what Write had to change in what it was given.
type Report struct {
	// Truncated lists the IIM values cut to their byte limit (XMP keeps the
	// full text). Show them to the user.
	Truncated []Truncation `json:"truncated"`
	// Notes are other things the user may want to know, e.g. that a damaged
	// EXIF block was left unchanged.
	Notes []string `json:"notes"`
}

// Truncation is one IIM value cut at a UTF-8 boundary.
type Truncation struct {
	Field    string `json:"field"`    // Fields JSON name, e.g. "caption"
	Dataset  string `json:"dataset"`  // e.g. "2:120"
	Limit    int    `json:"limit"`    // IIM byte limit
	Original int    `json:"original"` // bytes given
	Kept     int    `json:"kept"`     // bytes written
}

// CheckDate reports whether s is a DateCreated value Write accepts:
// "2019-08-21", or with a time "2019-08-21T10:30:00+07:00".
func CheckDate(s string) error {
	if s == "" {
		return nil
	}
	_, _, err := dateToIIM(s)
	return err
}
