package cli

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/config"
)

// One pacer for every AWS client of a run, from the configuration's pace section: the scan's and the
// apply's options carry the same one (rollback, findings and approve take g.pacer() the same way).
func TestRunSharesOnePacer(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ecsfix.yaml")
	if err := os.WriteFile(file, []byte("pace:\n  adaptive: false\n  quotas:\n    - {service: ecs, group: task-definition-modify, burst: 40, rate: 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.New(), file)
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{io: &streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: io.Discard}, cfg: c,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p := g.pacer()
	if p == nil {
		t.Fatal("no pacer")
	}
	if got := g.scanOptions().Pacer; got != p {
		t.Error("the scan's options carry another pacer")
	}
	if got := (&applyOptions{g: g}).fixOptions("journal.jsonl").Pacer; got != p {
		t.Error("the apply's options carry another pacer")
	}
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition"); r != 2 {
		t.Errorf("the pacer's rate for RegisterTaskDefinition = %v, want pace.quotas' 2", r)
	}
	p.Throttled("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition")
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition"); r != 2 {
		t.Errorf("pace.adaptive: false, yet throttling lowered the rate to %v", r)
	}
}
