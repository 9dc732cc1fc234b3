//go:build cgo && linux

package rendition

/*
#cgo pkg-config: libturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

const haveTurbo = true

// errTurboUnsupported means libjpeg-turbo cannot produce RGBA from this
// file (CMYK/YCCK) or warned about it; the caller falls back to image/jpeg,
// which then decodes the file or reports it damaged.
var errTurboUnsupported = errors.New("libjpeg-turbo: colour space not supported")

// decodeTurbo decodes a JPEG with libjpeg-turbo, scaled in the DCT domain
// by the smallest factor n/8 whose long edge is still at least longEdge.
// A warning (such as a truncated file) stops it with errTurboUnsupported.
func decodeTurbo(data []byte, longEdge int) (*image.RGBA, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, errors.New("libjpeg-turbo: init failed")
	}
	defer C.tjDestroy(h)

	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	var w, ht, subsamp, cs C.int
	if C.tjDecompressHeader3(h, src, C.ulong(len(data)), &w, &ht, &subsamp, &cs) != 0 {
		return nil, turboErr(h)
	}
	if cs == C.TJCS_CMYK || cs == C.TJCS_YCCK {
		return nil, errTurboUnsupported
	}
	if err := checkSize(int(w), int(ht)); err != nil {
		return nil, err
	}
	sw, sh := scaledSize(int(w), int(ht), longEdge)
	img := image.NewRGBA(image.Rect(0, 0, sw, sh))
	// img.Pix holds no Go pointers, so passing it to C is allowed.
	if C.tjDecompress2(h, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&img.Pix[0])),
		C.int(sw), C.int(img.Stride), C.int(sh), C.TJPF_RGBA, C.TJFLAG_STOPONWARNING) != 0 {
		return nil, turboErr(h)
	}
	return img, nil
}

// scaledSize picks the smallest n/8 (n = 1…8) scale whose long edge is at
// least longEdge, and returns the scaled size as libjpeg-turbo computes it.
func scaledSize(w, h, longEdge int) (int, int) {
	long := max(w, h)
	for n := 1; n <= 8; n++ {
		if (long*n+7)/8 >= longEdge || n == 8 {
			return (w*n + 7) / 8, (h*n + 7) / 8
		}
	}
	return w, h
}

// turboErr reports libjpeg-turbo's last error. Warnings are returned as
// errTurboUnsupported: some are harmless (stray bytes between segments,
// which some cameras write), so image/jpeg gets to judge the file.
func turboErr(h C.tjhandle) error {
	err := fmt.Errorf("libjpeg-turbo: %s", C.GoString(C.tjGetErrorStr2(h)))
	if C.tjGetErrorCode(h) == C.TJERR_WARNING {
		return fmt.Errorf("%w: %v", errTurboUnsupported, err)
	}
	return err
}
