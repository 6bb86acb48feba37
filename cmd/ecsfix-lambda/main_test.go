// The package's tests share one moto emulator (detect/mototest).
package main

import (
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }
