package cli

import (
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }
