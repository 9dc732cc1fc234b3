package photos

import (
	"github.com/warta-news/warta/app/photos/photoinfo"
)

// describe fills in what the file says about itself: caption fields
// photographers pre-filled, time taken, camera, place. Damaged metadata
// only adds warnings: the pixels decide whether the import succeeds.
func describe(p *Photo, data []byte) {
	info, err := photoinfo.Read(data)
	if err != nil {
		p.Warnings = append(p.Warnings, "metadata unreadable: "+err.Error())
		return
	}
	p.Fields = info.Fields
	p.Make, p.Model, p.Lens = info.Make, info.Model, info.Lens
	if info.GPS != nil {
		p.GPS = &GPS{Lat: info.GPS.Lat, Lon: info.GPS.Lon, Alt: info.GPS.Alt}
	}
	if !info.Taken.IsZero() {
		if info.HasOffset {
			p.Taken = info.Taken.Format("2006-01-02T15:04:05Z07:00")
		} else {
			p.Taken = info.Taken.Format("2006-01-02T15:04:05")
		}
	}
	p.Warnings = append(p.Warnings, info.Warnings...)
}
