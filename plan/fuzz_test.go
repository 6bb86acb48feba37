package plan

import (
	"bytes"
	"testing"
)

// FuzzRead: parsing a plan file never panics; whatever it accepts is valid and byte for byte the
// canonical form of what it parsed. The seed corpus is in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add(writeFixture(f))
	var b bytes.Buffer
	if err := Write(&b, emptyFixture()); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read("fuzz.json", data)
		if err != nil {
			if p != nil {
				t.Fatal("Read returned a plan with an error")
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Read accepted an invalid plan: %v", err)
		}
		var out bytes.Buffer
		if err := Write(&out, p); err != nil {
			t.Fatalf("Write of an accepted plan: %v", err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatal("Read accepted a file that is not in canonical form")
		}
		if p.ContentHash() == "" {
			t.Fatal("an accepted plan has no content hash")
		}
		// Rendering an accepted plan does not fail either.
		for _, format := range Formats {
			r, _ := NewRenderer(format, RenderOptions{UnattendedRisk: RiskLow})
			if err := r.Render(&bytes.Buffer{}, p); err != nil {
				t.Fatalf("render %s: %v", format, err)
			}
		}
		p.Subset(RiskMedium, nil)
	})
}
