package photos

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// Errors a caller can test with errors.Is.
var (
	ErrNotFound = errors.New("photo not found")
	ErrInvalid  = errors.New("invalid request")
)

// Photo is one imported photo as the library keeps it. The original file is
// never changed; the caption fields live here and are written into copies
// on export and upload.
type Photo struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"` // of the original, hex
	Name   string `json:"name"`   // the original's file name when imported
	Format string `json:"format"` // "jpeg" or "png"
	Bytes  int64  `json:"bytes"`  // size of the original

	// Width and Height are the upright size (after EXIF orientation).
	Width       int `json:"width"`
	Height      int `json:"height"`
	Orientation int `json:"orientation"`

	// Taken is when the camera says the photo was taken, as
	// "2019-08-21T10:30:00+07:00" when the camera recorded its zone
	// (OffsetTimeOriginal) and "2019-08-21T10:30:00" (local time at the
	// place, zone unknown) when not; empty when the file has no date.
	Taken  string          `json:"taken"`
	Make   string          `json:"make"`
	Model  string          `json:"model"`
	Lens   string          `json:"lens"`
	GPS    *GPS            `json:"gps,omitempty"`
	Fields jpegmeta.Fields `json:"fields"`
	// Warnings are problems met reading the file's metadata (damaged EXIF
	// skipped and the like): the photo is fine, the user may want to know.
	Warnings []string `json:"warnings,omitempty"`

	ImportedAt time.Time `json:"importedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// GPS is where the photo was taken, in degrees (WGS 84).
type GPS struct {
	Lat float64  `json:"lat"`
	Lon float64  `json:"lon"`
	Alt *float64 `json:"alt,omitempty"`
}

// Change sets one caption field. Field is the jpegmeta.Fields JSON name
// ("caption", "keywords", …). Mode "replace" (the default) sets the value;
// an empty value clears the field. Mode "append" adds to what is there: a
// text gets the value after a space (unless it already ends with it), a
// list gets the values it lacks.
type Change struct {
	Field  string   `json:"field"`
	Mode   string   `json:"mode"`
	Text   string   `json:"text"`
	Values []string `json:"values"`
}

// Template is a named set of changes applied together to a selection, what
// photo desks call a stationery pad.
type Template struct {
	Name    string   `json:"name"`
	Changes []Change `json:"changes"`
}

// fieldIndex maps each Fields JSON name to its struct field.
var fieldIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[jpegmeta.Fields]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// FieldNames lists the caption fields in the order of jpegmeta.Fields.
func FieldNames() []string {
	names := make([]string, len(fieldIndex))
	for n, i := range fieldIndex {
		names[i] = n
	}
	return names
}

func (c Change) validate() error {
	if _, ok := fieldIndex[c.Field]; !ok {
		return fmt.Errorf("%w: no caption field %q", ErrInvalid, c.Field)
	}
	if c.Mode != "" && c.Mode != "replace" && c.Mode != "append" {
		return fmt.Errorf("%w: mode %q (want replace or append)", ErrInvalid, c.Mode)
	}
	if c.Field == "dateCreated" {
		if c.Mode == "append" {
			return fmt.Errorf("%w: a date cannot be appended to", ErrInvalid)
		}
		if err := jpegmeta.CheckDate(strings.TrimSpace(c.Text)); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	return nil
}

// apply makes the change to f.
func (c Change) apply(f *jpegmeta.Fields) {
	v := reflect.ValueOf(f).Elem().Field(fieldIndex[c.Field])
	switch v.Kind() {
	case reflect.String:
		text := strings.TrimSpace(c.Text)
		if text == "" && len(c.Values) > 0 {
			text = strings.Join(c.Values, ", ")
		}
		cur := v.String()
		if c.Mode == "append" && cur != "" {
			switch {
			case text == "" || strings.HasSuffix(cur, text):
				text = cur
			default:
				text = strings.TrimRight(cur, " ") + " " + text
			}
		}
		v.SetString(text)
	case reflect.Slice:
		vals := cleanList(c.Values)
		if len(c.Values) == 0 && c.Text != "" {
			vals = cleanList(strings.Split(c.Text, ","))
		}
		if c.Mode == "append" {
			cur := v.Interface().([]string)
			out := slices.Clone(cur)
			for _, x := range vals {
				if !containsFold(out, x) {
					out = append(out, x)
				}
			}
			vals = out
		}
		v.Set(reflect.ValueOf(vals))
	}
}

// cleanList trims the values and drops empty ones and repeats.
func cleanList(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !containsFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
