package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine describes where a run happened: a ratio only means something
// next to the machine and toolchain that produced it.
type machine struct {
	cpus   int
	model  string
	goVer  string
	kernel string
	date   time.Time
}

func describeMachine(ctx context.Context) machine {
	m := machine{cpus: runtime.NumCPU(), goVer: runtime.Version(), kernel: kernel(), date: time.Now()}
	// The servers are built with the go command on PATH, which may be a
	// newer toolchain than the one that built the harness.
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		m.goVer = strings.TrimSpace(string(out))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func (m machine) write(w io.Writer) {
	model := ""
	if m.model != "" {
		model = " (" + m.model + ")"
	}
	fmt.Fprintf(w, "Machine: %d cores%s, %s, %s/%s, kernel %s. Date: %s.\n",
		m.cpus, model, m.goVer, runtime.GOOS, runtime.GOARCH, m.kernel, m.date.UTC().Format("2006-01-02 15:04 MST"))
}
