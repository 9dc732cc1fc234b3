// Package rendition makes the web rendition and the thumbnail of an imported
// photo: Make does one file, Pool does a batch on all cores with throttled
// progress and cancel.
//
// # Two decode paths
//
// On Linux with cgo the JPEG is decoded by libjpeg-turbo (Debian
// libturbojpeg0-dev) with DCT-domain scaling: tjDecompress2 is asked for the
// smallest n/8 scale whose long edge is still at least the target, so a
// 6000×4000 photo for a 2048 px rendition is decoded straight to 2250×1500 and
// never exists at full size in memory. Everywhere else (the Windows
// cross-build, CGO_ENABLED=0), and when Options.PureGo is set, image/jpeg
// decodes the full image. libjpeg-turbo also hands over to image/jpeg for
// CMYK files and for any file it warns about (a truncated file, stray bytes
// between segments): image/jpeg then either decodes it or reports it
// damaged, so both paths accept and refuse the same files. PNG always goes through image/png. Both paths then
// share the same steps: resize with imaging's Lanczos to the long edge (never
// upscaling), apply the EXIF orientation to the small result (cheaper than
// orienting the original), make the thumbnail from the web rendition with a
// cheaper linear filter, encode JPEG at quality 85 and write each file
// durably (temp file beside it, fsync, rename, fsync the folder).
//
// # Memory bound
//
// The file is read whole (at most MaxFileSize), sniffed by its first bytes
// (JPEG, PNG; HEIC is recognised by its ftyp box and refused with a message
// saying what to do), and its header is read with image.DecodeConfig before
// any pixels are allocated: more than MaxPixels or MaxSide a side is refused
// with ErrTooLarge, so a small file declaring 60000×60000 costs a few
// kilobytes. The largest allocations are then the decoded image — for the
// pure-Go path 1.5 bytes a pixel for 4:2:0 JPEG (36 MB for 24 megapixels,
// 150 MB at the 100-megapixel limit), for libjpeg-turbo 4 bytes a pixel of
// the DCT-scaled size (13 MB for 6000×4000 → 2250×1500) — and imaging's
// intermediate after the horizontal pass (4 bytes × long edge × source
// height). A Pool holds one such set per worker; BenchmarkBatch40 and
// BenchmarkBatch40PureGo report the batch's peak RSS.
//
// EXIF orientation is read by photoinfo.Orientation (bep/imagemeta with read
// and tag limits) unless the caller passes it; damaged EXIF gives
// orientation 1 rather than being followed.
//
// Errors wrap ErrEmpty, ErrUnsupported, ErrHEIC, ErrTooLarge or ErrCorrupt
// and name the file.
package rendition
