package photos

import (
	"errors"
	"io"
	"time"

	"github.com/warta-news/warta/app/photos/codes"
	"github.com/warta-news/warta/app/photos/housestyle"
	"github.com/warta-news/warta/app/store"
)

// keyCodes holds the code replacement table: []codes.Code JSON.
const keyCodes = "phc"

// CodeTable is the code replacement table with what validation found.
type CodeTable struct {
	Codes    []codes.Code    `json:"codes"`
	Problems []codes.Problem `json:"problems"`
}

// Codes returns the code replacement table.
func (l *Library) Codes() ([]codes.Code, error) {
	list := []codes.Code{}
	err := l.st.GetJSON(keyCodes, &list)
	if errors.Is(err, store.ErrNotFound) {
		return []codes.Code{}, nil
	}
	return list, err
}

// SetCodes validates and stores the table; rows with problems are left out
// and the problems returned.
func (l *Library) SetCodes(list []codes.Code) (CodeTable, error) {
	clean, problems := codes.Validate(list)
	if clean == nil {
		clean = []codes.Code{}
	}
	if err := l.st.PutJSON(keyCodes, clean); err != nil {
		return CodeTable{}, err
	}
	return CodeTable{Codes: clean, Problems: problems}, nil
}

// ImportCodes replaces the table with the tab-separated table read from r.
// The good rows are kept; the problems name the lines left out.
func (l *Library) ImportCodes(r io.Reader) (CodeTable, error) {
	list, problems, err := codes.ParseTSV(r)
	if err != nil {
		return CodeTable{}, err
	}
	t, err := l.SetCodes(list)
	t.Problems = append(problems, t.Problems...)
	return t, err
}

// ExportCodes writes the table as tab-separated UTF-8 text.
func (l *Library) ExportCodes(w io.Writer) error {
	list, err := l.Codes()
	if err != nil {
		return err
	}
	return codes.WriteTSV(w, list)
}

// HouseStyleInput is what the caption panel shows when the user asks for
// the house-style line; the time comes from the photo itself.
type HouseStyleInput struct {
	ID       string `json:"id"`
	Caption  string `json:"caption"`
	Place    string `json:"place"`
	Province string `json:"province"`
	Credit   string `json:"credit"`
	Lang     string `json:"lang"`
	WithTime bool   `json:"withTime"`
}

// HouseStyle returns the caption ending in the photo desk's line: place,
// day and date of the photo in the place's zone, and the credit.
func (l *Library) HouseStyle(in HouseStyleInput) (string, error) {
	p, err := l.Get(in.ID)
	if err != nil {
		return "", err
	}
	taken, hasOffset := parseTaken(p.Taken)
	return housestyle.Build(housestyle.Input{
		Caption: in.Caption, Place: in.Place, Province: in.Province,
		Taken: taken, HasOffset: hasOffset, Credit: in.Credit,
		Lang: in.Lang, WithTime: in.WithTime,
	}), nil
}

// parseTaken reads Photo.Taken: with an offset it is a moment; without one
// a wall-clock time (returned in UTC, which housestyle reads as local time
// at the place).
func parseTaken(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t, false
	}
	return time.Time{}, false
}
