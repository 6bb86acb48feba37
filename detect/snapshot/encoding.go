// This file holds the text encodings a snapshot file may have: UTF-8 (with or without a byte-order mark,
// which the JSON reader skips), or UTF-16 with a byte-order mark (as Windows PowerShell's Out-File and
// some editors save), transcoded to UTF-8 as it is read.

package snapshot

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Order is the byte order of a UTF-16 file; none for a file read as UTF-8.
type utf16Order int

const (
	notUTF16 utf16Order = iota
	utf16LE
	utf16BE
)

func (o utf16Order) String() string {
	if o == utf16BE {
		return "UTF-16BE"
	}
	return "UTF-16LE"
}

// textOf returns a file's text as UTF-8: the file itself, or, when it starts with a UTF-16 byte-order
// mark, a reader that transcodes it (the mark left out). A file whose first bytes hold a NUL byte and no
// mark (UTF-16 without one) is refused with an error that says how to save it.
func textOf(f readSeekCloser) (readSeekCloser, error) {
	var head [2]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	switch {
	case n == 2 && head[0] == 0xFF && head[1] == 0xFE:
		return newUTF16Reader(f, utf16LE)
	case n == 2 && head[0] == 0xFE && head[1] == 0xFF:
		return newUTF16Reader(f, utf16BE)
	case n == 2 && (head[0] == 0 || head[1] == 0):
		return nil, errors.New("the file starts with a NUL byte: it looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a byte-order mark")
	}
	return f, nil
}

// utf16Reader transcodes a UTF-16 file to UTF-8 as it is read, a buffer at a time: newlines stay
// newlines, so line numbers in messages are the file's; columns count UTF-8 bytes.
type utf16Reader struct {
	f     readSeekCloser
	order utf16Order
	raw   [16 << 10]byte
	nraw  int // raw[:nraw] is read and not yet decoded (at most one byte, or a byte pair after a high surrogate)
	out   []byte
	outAt int    // out[outAt:] is decoded and not yet returned
	high  uint16 // a high surrogate waiting for its low half; 0 when none
	off   int64  // bytes of the file decoded, the byte-order mark included
	line  int
	err   error // what ends the text once out is drained (io.EOF at its end)
}

func newUTF16Reader(f readSeekCloser, order utf16Order) (*utf16Reader, error) {
	u := &utf16Reader{f: f, order: order}
	if err := u.start(); err != nil {
		return nil, err
	}
	return u, nil
}

// start reads from the file's start, past its byte-order mark.
func (u *utf16Reader) start() error {
	if _, err := u.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var bom [2]byte
	if _, err := io.ReadFull(u.f, bom[:]); err != nil {
		return err
	}
	u.nraw, u.out, u.outAt, u.high, u.off, u.line, u.err = 0, u.out[:0], 0, 0, 2, 1, nil
	return nil
}

func (u *utf16Reader) Size() int64  { return u.f.Size() }
func (u *utf16Reader) Close() error { return u.f.Close() }

func (u *utf16Reader) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, errors.New("snapshot: files are read from their start only")
	}
	return 0, u.start()
}

func (u *utf16Reader) bad(what string) error {
	return fmt.Errorf("invalid %s text at line %d (byte offset %d): %s", u.order, u.line, u.off, what)
}

func (u *utf16Reader) Read(b []byte) (int, error) {
	for u.outAt == len(u.out) {
		if u.err != nil {
			return 0, u.err
		}
		u.out, u.outAt = u.out[:0], 0
		n, err := u.f.Read(u.raw[u.nraw:])
		u.nraw += n
		i := 0
		for ; i+1 < u.nraw && u.err == nil; i += 2 {
			c := uint16(u.raw[i]) | uint16(u.raw[i+1])<<8
			if u.order == utf16BE {
				c = uint16(u.raw[i])<<8 | uint16(u.raw[i+1])
			}
			switch {
			case u.high != 0:
				if c < 0xDC00 || c > 0xDFFF {
					u.err = u.bad("a high surrogate without its low half")
					break
				}
				u.out = utf8.AppendRune(u.out, utf16.DecodeRune(rune(u.high), rune(c)))
				u.high = 0
			case c >= 0xD800 && c < 0xDC00:
				u.high = c
			case c >= 0xDC00 && c <= 0xDFFF:
				u.err = u.bad("a low surrogate without its high half")
			default:
				if c == '\n' {
					u.line++
				}
				u.out = utf8.AppendRune(u.out, rune(c))
			}
			if u.err == nil {
				u.off += 2
			}
		}
		u.nraw = copy(u.raw[:], u.raw[i:u.nraw])
		switch {
		case u.err != nil:
		case errors.Is(err, io.EOF):
			switch {
			case u.high != 0:
				u.err = u.bad("the file ends after a high surrogate")
			case u.nraw != 0:
				u.err = u.bad("the file ends in the middle of a character (an odd number of bytes)")
			default:
				u.err = io.EOF
			}
		case err != nil:
			u.err = err
		}
	}
	n := copy(b, u.out[u.outAt:])
	u.outAt += n
	return n, nil
}
