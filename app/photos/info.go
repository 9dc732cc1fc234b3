package photos

import (
	"bytes"

	"github.com/warta-news/warta/app/photos/jpegmeta"
)

// describe fills in what the file says about itself: caption fields,
// time taken, camera, place.
func describe(p *Photo, data []byte) {
	if p.Format != "jpeg" {
		return
	}
	f, err := jpegmeta.Read(bytes.NewReader(data))
	if err != nil {
		p.Warnings = append(p.Warnings, "caption fields unreadable: "+err.Error())
		return
	}
	p.Fields = f
}
