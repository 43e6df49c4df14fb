package main

import (
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestMain(m *testing.M) {
	seamtest.MainBuilt(m, servers[binKV], servers[binSeamKV], servers[binBareKV], servers[binFloor], servers[binSeamFloor])
}
