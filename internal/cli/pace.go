// This file holds the run's pacer: one for every AWS client a command builds, so that the calls of one
// account and region draw from the same token buckets whichever client makes them.

package cli

import (
	"sync"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// pacerOnce builds the run's pacer once.
type pacerOnce struct {
	once  sync.Once
	pacer *awsclient.Pacer
}

// pacer is the run's pacer, from the configuration's pace section (validated when it was loaded).
func (g *globalOptions) pacer() *awsclient.Pacer {
	g.pace.once.Do(func() {
		p, err := g.cfg.NewPacer()
		if err != nil {
			// Unreachable: Validate refused the configuration. Pace by the documented table rather than not at all.
			g.log.Error("pace.quotas", "err", err)
			p = awsclient.NewPacer(nil, awsclient.PacerOptions{Adaptive: g.cfg.Pace.Adaptive})
		}
		g.pace.pacer = p
	})
	return g.pace.pacer
}
