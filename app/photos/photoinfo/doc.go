// Package photoinfo reads what an imported photo says about itself: format
// and stored size, EXIF orientation, when and where it was taken, the camera
// and lens, and the caption fields already in the file.
//
// The API:
//
//	Read(data) (Info, error)   everything, from the whole file in memory
//	Orientation(data) int      just the EXIF orientation, 1–8
//
// Read returns an error (ErrNotImage) only when data is not a JPEG or PNG at
// all: empty, text, another format, or cut off inside its signature or (PNG)
// its IHDR header. Damaged metadata is never an error: what could be read is
// kept and Info.Warnings says, in plain English, what was skipped.
//
// # Where each value comes from
//
// EXIF, IPTC IIM and XMP are read with github.com/bep/imagemeta (the reader
// Hugo uses). Its default tag filter keeps only IFD0, so Read installs its own
// ShouldHandleTag that also takes the EXIF sub-IFD (date taken, lens) and the
// GPS IFD; the thumbnail IFD1 is always skipped. IPTC and XMP are read for
// the date fallbacks, make/model/lens/GPS fallbacks and, for PNG, the
// caption fields.
//
//   - Width, Height: image/jpeg or image/png DecodeConfig — the size as
//     stored, before orientation (see Info.DisplaySize).
//   - Orientation: EXIF IFD0 Orientation; 1 when absent or not 1–8. XMP
//     tiff:Orientation is ignored on purpose: browsers and the rendition
//     package follow EXIF only, and Info must describe the pixels they show.
//   - Taken: EXIF DateTimeOriginal, else CreateDate (DateTimeDigitized),
//     else photoshop:DateCreated / IIM 2:55+2:60 (as reconciled in Fields),
//     else XMP exif:DateTimeOriginal, else xmp:CreateDate. Second precision.
//   - Make, Model, Lens: EXIF Make, Model, LensModel; else XMP tiff:Make,
//     tiff:Model, exifEX:LensModel or aux:Lens.
//   - GPS: the EXIF GPS IFD; else XMP exif:GPSLatitude/GPSLongitude.
//   - Fields (JPEG): jpegmeta.Read, which reconciles XMP and IIM as the MWG
//     recommends. If the file is too damaged for it, the same fields are taken
//     from imagemeta's XMP, else IIM, with a warning.
//   - Fields (PNG): IIM from a "Raw profile type iptc" zTXt chunk, which is
//     all imagemeta reads; it does not read PNG XMP (iTXt), so captions
//     written there are not seen yet.
//
// # Time zones
//
// A camera clock has no zone unless the file says so. When it does —
// OffsetTimeOriginal (OffsetTimeDigitized for CreateDate), an XMP date with a
// zone, or IIM 2:60 — Taken is in that fixed offset and HasOffset is true.
// When the EXIF date has no offset but photoshop:DateCreated or IIM carries
// the same wall-clock time with a zone, that zone is used (MWG). Otherwise
// Taken holds the wall-clock reading in the zone Floating (offset 0, named
// "floating" after RFC 5545's floating time) and HasOffset is false: show
// Taken's clock fields as they are and never convert it to another zone. In
// JSON such a time is written with "Z"; hasOffset=false says to ignore it.
// A date without a time of day gives midnight.
//
// # Limits
//
// Damaged EXIF must never hang, crash or exhaust memory. imagemeta is called
// once per source (EXIF, IPTC, XMP), so damage in one does not hide the
// others, with LimitNumTags and LimitTagSize set, through a reader that
// stops after a fixed read budget, and under recover. PNG chunks whose
// declared length runs past the end of the file are cut off before imagemeta
// sees them, so a small file cannot make it allocate its 10 MB maximum. Text
// values are cut to MaxTextLen bytes and Warnings to MaxWarnings entries.
package photoinfo
