package photoinfo

import (
	"math"
	"strconv"
	"strings"

	"github.com/bep/imagemeta"
)

// gps returns the position from the EXIF GPS IFD, else from XMP; nil when
// the file has none or it is damaged.
func gps(t *tags, w *warnings) *GPS {
	lat, latOK := t.exif["GPSLatitude"].(float64)
	lon, lonOK := t.exif["GPSLongitude"].(float64)
	if _, has := t.exif["GPSLatitude"]; has || latOK || lonOK {
		if !latOK || !lonOK || t.badGPS {
			w.addf("The GPS position is damaged and was ignored.")
			return nil
		}
		if strings.EqualFold(text(t.exif["GPSLatitudeRef"]), "S") {
			lat = -lat
		}
		if strings.EqualFold(text(t.exif["GPSLongitudeRef"]), "W") {
			lon = -lon
		}
		g := valid(lat, lon, w)
		if g != nil {
			if r, ok := t.exif["GPSAltitude"].(imagemeta.Rat[uint32]); ok && r.Den() != 0 {
				a := r.Float64()
				if ref, ok := t.exif["GPSAltitudeRef"].(uint8); ok && ref == 1 {
					a = -a
				}
				g.Alt = &a
			}
		}
		return g
	}
	lat, latOK = t.xmp[nsExif+"GPSLatitude"].(float64)
	lon, lonOK = t.xmp[nsExif+"GPSLongitude"].(float64)
	if !latOK || !lonOK {
		return nil
	}
	g := valid(lat, lon, w)
	if g != nil {
		if a, ok := rational(text(t.xmp[nsExif+"GPSAltitude"])); ok {
			if text(t.xmp[nsExif+"GPSAltitudeRef"]) == "1" {
				a = -a
			}
			g.Alt = &a
		}
	}
	return g
}

func valid(lat, lon float64, w *warnings) *GPS {
	if math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		w.addf("The GPS position is out of range and was ignored.")
		return nil
	}
	return &GPS{Lat: lat, Lon: lon}
}

// rational reads an XMP rational "29/1" (or a plain number).
func rational(s string) (float64, bool) {
	num, den, isFrac := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	if !isFrac {
		return n, true
	}
	d, err := strconv.ParseFloat(den, 64)
	if err != nil || d == 0 || math.IsNaN(d) {
		return 0, false
	}
	return n / d, true
}
