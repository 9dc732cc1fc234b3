package photos

import (
	"github.com/warta-news/warta/app/photos/photoinfo"
)

// describe fills in what the file says about itself: caption fields
// photographers pre-filled, time taken, camera, place. Damaged metadata
// only adds warnings: the pixels decide whether the import succeeds. It
// returns the EXIF orientation (0 when unread) for the renditions.
func describe(p *Photo, data []byte) (orientation int) {
	info, err := photoinfo.Read(data)
	if err != nil {
		p.Warnings = append(p.Warnings, "metadata unreadable: "+err.Error())
		return 0
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
	// IPTC Date Created is when the picture was taken; photographers rarely
	// fill it, so the camera's time does (a date alone when the zone is unknown).
	if p.Fields.DateCreated == "" && p.Taken != "" {
		if info.HasOffset {
			p.Fields.DateCreated = p.Taken
		} else {
			p.Fields.DateCreated = p.Taken[:10]
		}
	}
	p.Warnings = append(p.Warnings, info.Warnings...)
	return info.Orientation
}
