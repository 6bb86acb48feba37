package plan

import "io"

// RenderJSON writes the plan file itself, in canonical form (see Write).
func RenderJSON(w io.Writer, p *Plan) error { return Write(w, p) }
