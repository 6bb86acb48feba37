package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// streams are the command's standard streams: stdout carries the product, stderr logs and progress.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY and ErrTTY say whether each stream is a terminal; colour and progress need one.
	OutTTY, ErrTTY bool
	// NoColor is set by the NO_COLOR convention (https://no-color.org).
	NoColor bool
}

func systemStreams() *streams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &streams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		NoColor: noColor && os.Getenv("NO_COLOR") != "",
	}
}

func (s *streams) colorOut() bool { return s.OutTTY && !s.NoColor }
func (s *streams) colorErr() bool { return s.ErrTTY && !s.NoColor }
