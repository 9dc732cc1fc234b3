//go:build !(cgo && linux)

package rendition

import (
	"errors"
	"image"
)

const haveTurbo = false

var errTurboUnsupported = errors.New("libjpeg-turbo not built in")

func decodeTurbo([]byte, int) (*image.RGBA, error) { return nil, errTurboUnsupported }
