// Package jpegmeta reads and writes photo captions inside JPEG files without
// touching the pixels.
//
// A JPEG is split into its marker segments up to the first SOS (start of
// scan); everything from SOS on — the entropy-coded image data — is kept
// byte-for-byte and written back unchanged. Parse followed by WriteTo
// reproduces any file exactly.
//
// Captions are written where newsroom tools read them, kept in sync as the
// Metadata Working Group recommends: IPTC IIM (inside APP13), XMP (inside
// APP1) and, if the file has EXIF, IFD0 ImageDescription/Artist/Copyright.
// Everything the package does not manage — MakerNotes, EXIF thumbnails, other
// Photoshop resources and IIM datasets, unknown XMP properties and
// namespaces, unknown segments — is kept; no EXIF value is moved.
//
// The API:
//
//	Read(r) (Fields, error)                 fields from XMP, else IIM
//	Write(in, out, Fields) (Report, error)  copy with the fields set
//	Parse(r) (*File, error); File.WriteTo   the segment layer
//
// Glossary
//
//   - IIM: the IPTC Information Interchange Model (IPTC IIM 4.2), the 1990s
//     binary caption format. Each value is a "dataset" tagged record:number,
//     e.g. 2:120 caption. Values have byte limits; 1:90 declares the charset
//     (ESC % G = UTF-8).
//   - APP13: the JPEG application segment (marker 0xFFED) in which Photoshop
//     stores its "image resources"; it starts with "Photoshop 3.0\x00".
//   - 8BIM: the signature of one Photoshop image resource block (Photoshop
//     File Formats, "Image resource blocks"): signature, 16-bit id, Pascal
//     name, 32-bit size, data padded to even. Resource 0x0404 holds the IIM
//     bytes, 0x0425 the IPTCDigest (MD5 of those bytes).
//   - XMP packet: RDF/XML metadata (XMP Part 1) wrapped in <?xpacket?>
//     processing instructions, stored in an APP1 segment that starts with
//     "http://ns.adobe.com/xap/1.0/\x00" (XMP Part 3, 1.1.3). One segment
//     holds at most 65,502 bytes of packet; larger needs "extended XMP",
//     which this package does not write.
//   - MWG: the Metadata Working Group's "Guidelines for Handling Image
//     Metadata" (2010): which EXIF, IIM and XMP fields mean the same thing
//     and how a writer keeps them consistent.
package jpegmeta
