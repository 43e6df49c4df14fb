//go:build unix

package server

import (
	"strconv"
	"syscall"
)

// cpuInfo is INFO's cpu section, from getrusage(2) as Redis reads it: the
// process's and its children's system and user seconds. Go has no one
// main thread, so the main-thread fields repeat the process's.
func cpuInfo(b *infoBuilder) {
	b.section("CPU")
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	b.field("used_cpu_sys", seconds(self.Stime))
	b.field("used_cpu_user", seconds(self.Utime))
	b.field("used_cpu_sys_children", seconds(children.Stime))
	b.field("used_cpu_user_children", seconds(children.Utime))
	b.field("used_cpu_sys_main_thread", seconds(self.Stime))
	b.field("used_cpu_user_main_thread", seconds(self.Utime))
}

func seconds(tv syscall.Timeval) string {
	return strconv.FormatFloat(float64(tv.Sec)+float64(tv.Usec)/1e6, 'f', 6, 64)
}
