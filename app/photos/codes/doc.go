// Package codes reads, checks and writes a code replacement table, as photo
// desks keep one in Photo Mechanic: typing \mensos\ in a caption inserts
// "Menteri Sosial Agus Gumiwang Kartasasmita". The expansion itself happens
// in the frontend; this package owns the file format and its rules.
//
// The API:
//
//	ParseTSV(r) ([]Code, []Problem, error)  read a table file
//	WriteTSV(w, codes) error                write one
//	Validate(codes) ([]Code, []Problem)     normalise an edited table
//
// File format: UTF-8 text, one row per line, fields separated by tabs:
//
//	code<TAB>text[<TAB>alternative 2<TAB>alternative 3…]
//
// Reading accepts a UTF-8 byte order mark, LF, CRLF and CR line endings,
// blank lines and comment lines starting with '#'. A file that is not UTF-8
// (Windows-1252, or UTF-16 from Excel's "Unicode Text") is refused with
// ErrNotUTF8 and a hint to save it as UTF-8; the encoding is never guessed.
// A file over MaxFileBytes (4 MiB) is refused with ErrTooLarge.
//
// A bad row is skipped and reported as a Problem with its line number; the
// other rows are imported. Bad rows: no tab, empty code, a code containing a
// backslash, '#' or white space, empty text, a code over 64 bytes or a text
// over 2,000 bytes. A code written with its backslashes (\mensos\) is
// accepted as mensos. Codes keep their case, as in Photo Mechanic, but two
// codes that differ only in case are duplicates: the later row wins and is
// reported. At most MaxCodes (10,000) codes are read.
//
// Writing produces UTF-8 without a byte order mark, LF line endings (Notepad
// has read them since Windows 10 1809) and no header line, so Photo Mechanic
// can import the file too. A tab or line break inside a field cannot be
// stored and is written as a space. Excel opens a file without a byte order
// mark as ANSI; to edit the table in Excel use Data > From Text/CSV, File
// origin 65001: Unicode (UTF-8). ParseTSV of WriteTSV of a validated table
// gives the same table.
//
// Glossary
//
//   - Code: the short name typed between backslashes, e.g. mensos.
//   - Text: what \code\ expands to.
//   - Alternative (Alt): a further column; \code#2\ expands to Alt[0],
//     \code#3\ to Alt[1]. An empty alternative keeps the later ones in place.
//   - Problem: a row that was not imported as it stood, with its line.
package codes
