package rendition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"github.com/disintegration/imaging"

	"github.com/warta-news/warta/app/fsutil"
	"github.com/warta-news/warta/app/photos/photoinfo"
)

// Defaults and limits.
const (
	DefaultLongEdge  = 2048
	DefaultThumbEdge = 320
	DefaultQuality   = 85

	// MaxPixels and MaxSide bound what Make agrees to decode; they are
	// checked from the header before any pixel memory is allocated.
	MaxPixels = 100_000_000
	MaxSide   = 30000
	// MaxFileSize bounds how much of a source file is read into memory.
	MaxFileSize = 256 << 20
)

// Errors a caller can test with errors.Is. Every error Make returns wraps
// the source path.
var (
	ErrEmpty       = errors.New("the file is empty")
	ErrTooLarge    = errors.New("the image is too large")
	ErrHEIC        = errors.New("HEIC photos from phones are not supported yet: export them as JPEG first")
	ErrUnsupported = errors.New("not a JPEG or PNG image")
	ErrCorrupt     = errors.New("the image is damaged or incomplete")
)

// Options says where the renditions go and how big they are.
type Options struct {
	WebPath   string // required: the web rendition (JPEG)
	ThumbPath string // required: the thumbnail (JPEG)
	LongEdge  int    // long edge of the web rendition; 0 means DefaultLongEdge
	ThumbEdge int    // long edge of the thumbnail; 0 means DefaultThumbEdge
	Quality   int    // JPEG quality; 0 means DefaultQuality
	// PureGo forces the pure-Go decoder even where libjpeg-turbo is built in.
	PureGo bool
	// Orientation is the JPEG's EXIF orientation (1–8) when the caller has
	// read it already (the importer has); 0 means read it from the file.
	Orientation int
}

// Result describes what Make wrote.
type Result struct {
	Format      string // "jpeg" or "png"
	Width       int    // source width as stored, before orientation
	Height      int    // source height as stored
	Orientation int    // EXIF orientation applied, 1–8
	Web         image.Point
	Thumb       image.Point
	Decoder     string // "libjpeg-turbo", "image/jpeg" or "image/png"
}

func (o *Options) fill() error {
	if o.WebPath == "" || o.ThumbPath == "" {
		return errors.New("rendition: WebPath and ThumbPath are required")
	}
	if o.LongEdge <= 0 {
		o.LongEdge = DefaultLongEdge
	}
	if o.ThumbEdge <= 0 {
		o.ThumbEdge = DefaultThumbEdge
	}
	if o.Quality <= 0 || o.Quality > 100 {
		o.Quality = DefaultQuality
	}
	return nil
}

// Make reads the JPEG or PNG photo at src and writes an upright web
// rendition (long edge opt.LongEdge, never upscaled) and a thumbnail (long
// edge opt.ThumbEdge, made from the web rendition) as JPEGs. Each output is
// written durably: temp file in the same folder, fsync, rename.
func Make(ctx context.Context, src string, opt Options) (Result, error) {
	res, err := makeRendition(ctx, src, opt)
	if err != nil {
		return res, fmt.Errorf("rendition %s: %w", src, err)
	}
	return res, nil
}

func makeRendition(ctx context.Context, src string, opt Options) (Result, error) {
	var res Result
	if err := opt.fill(); err != nil {
		return res, err
	}
	data, err := ReadFile(src)
	if err != nil {
		return res, err
	}
	return makeFromBytes(ctx, data, opt)
}

// MakeBytes is Make for a photo already in memory (the importer holds the
// bytes to hash them). Errors do not name a file: the caller knows it.
func MakeBytes(ctx context.Context, data []byte, opt Options) (Result, error) {
	if err := opt.fill(); err != nil {
		return Result{}, err
	}
	return makeFromBytes(ctx, data, opt)
}

func makeFromBytes(ctx context.Context, data []byte, opt Options) (Result, error) {
	var res Result
	if err := ctx.Err(); err != nil {
		return res, err
	}
	format, err := Sniff(data)
	if err != nil {
		return res, err
	}
	res.Format = format
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return res, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	res.Width, res.Height = cfg.Width, cfg.Height
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return res, err
	}
	res.Orientation = 1
	if format == "jpeg" {
		res.Orientation = opt.Orientation
		if res.Orientation < 1 || res.Orientation > 8 {
			res.Orientation = photoinfo.Orientation(data)
		}
	}

	var img image.Image
	switch {
	case format == "png":
		img, err = png.Decode(bytes.NewReader(data))
		res.Decoder = "image/png"
	case !opt.PureGo && haveTurbo:
		img, err = decodeTurbo(data, opt.LongEdge)
		res.Decoder = "libjpeg-turbo"
		if errors.Is(err, errTurboUnsupported) {
			img, err = jpeg.Decode(bytes.NewReader(data))
			res.Decoder = "image/jpeg"
		}
	default:
		img, err = jpeg.Decode(bytes.NewReader(data))
		res.Decoder = "image/jpeg"
	}
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	data = nil // let the compressed bytes go before resizing
	if err := ctx.Err(); err != nil {
		return res, err
	}

	// Resize first, orient after: the rotation then works on the small image.
	web := imaging.Fit(img, opt.LongEdge, opt.LongEdge, imaging.Lanczos)
	img = nil
	web = orient(web, res.Orientation)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	thumb := imaging.Fit(web, opt.ThumbEdge, opt.ThumbEdge, imaging.Linear)

	if err := writeJPEG(opt.WebPath, web, opt.Quality); err != nil {
		return res, err
	}
	if err := writeJPEG(opt.ThumbPath, thumb, opt.Quality); err != nil {
		return res, err
	}
	res.Web = web.Bounds().Size()
	res.Thumb = thumb.Bounds().Size()
	return res, nil
}

// ReadFile reads a photo whole, refusing folders, empty files and files
// over MaxFileSize with ErrUnsupported, ErrEmpty and ErrTooLarge.
func ReadFile(src string) ([]byte, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: is a folder", ErrUnsupported)
	}
	if st.Size() == 0 {
		return nil, ErrEmpty
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%w: file is %d MB, the limit is %d MB", ErrTooLarge, st.Size()>>20, MaxFileSize>>20)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Sniff tells the format, "jpeg" or "png", from the first bytes, not from
// the file name; HEIC gets ErrHEIC, anything else ErrUnsupported.
func Sniff(b []byte) (string, error) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "jpeg", nil
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "png", nil
	case isHEIF(b):
		return "", ErrHEIC
	}
	return "", ErrUnsupported
}

// isHEIF reports an ISO-BMFF "ftyp" box whose major or compatible brands
// name HEIF/HEIC (or AVIF, which phones also write and we cannot read).
func isHEIF(b []byte) bool {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return false
	}
	size := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if size < 16 || size > len(b) {
		size = min(len(b), 64)
	}
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 { // minor version, not a brand
			continue
		}
		switch string(b[i : i+4]) {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1", "avif", "avis":
			return true
		}
	}
	return false
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: header says %d×%d", ErrCorrupt, w, h)
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: %d×%d pixels (%.0f megapixels); the limit is %d megapixels and %d pixels a side",
			ErrTooLarge, w, h, float64(w)*float64(h)/1e6, MaxPixels/1_000_000, MaxSide)
	}
	return nil
}

// orient turns an image stored with EXIF orientation o upright.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

func writeJPEG(path string, img *image.NRGBA, quality int) error {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, opaqueRGBA(img), &jpeg.Options{Quality: quality}); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// opaqueRGBA returns img as an *image.RGBA, which image/jpeg encodes on its
// fast path. An opaque NRGBA has the same bytes as RGBA; a transparent one
// (PNG) is flattened onto white first.
func opaqueRGBA(img *image.NRGBA) *image.RGBA {
	if img.Opaque() {
		return &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	}
	dst := image.NewRGBA(img.Rect)
	draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Rect, img, img.Rect.Min, draw.Over)
	return dst
}
