//go:build !unix

package server

// cpuInfo is INFO's cpu section where getrusage(2) is missing: the fields
// are there, for the tools that look for them, at 0: kv does not read this
// platform's CPU times.
func cpuInfo(b *infoBuilder) {
	b.section("CPU")
	for _, name := range []string{"used_cpu_sys", "used_cpu_user", "used_cpu_sys_children",
		"used_cpu_user_children", "used_cpu_sys_main_thread", "used_cpu_user_main_thread"} {
		b.field(name, "0.000000")
	}
}
