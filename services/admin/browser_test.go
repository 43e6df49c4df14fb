package admin_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

// The tree page, rendered by a real headless browser: its DOM names every
// node with its state and the listener's connections, and a screenshot is
// left for a person to look at (in $SEAM_SCREENSHOT_DIR when set, else in
// the test's temporary directory, named in the log).
func TestDebugTreeInABrowser(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium on PATH (apt-get install chromium): the tree page is not rendered")
	}
	w := &flaky{fail: make(chan struct{})}
	jobs := &supervisor.Group{Name: "jobs", Services: []suture.Service{w}}
	sup := supervisor.New("workers", supervisor.Config{})
	sup.Add(&flaky{fail: make(chan struct{})})
	a := serveApp(t, supervisor.RunConfig{}, jobs, sup)
	a.dial(t)
	a.dial(t)
	w.fail <- struct{}{} // one failure, restarted, for the page to show
	seamtest.Eventually(t, "the failure to be counted", func() bool { return len(a.health.ServiceCounts()) > 0 })

	dir := os.Getenv("SEAM_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := filepath.Join(dir, "debug-tree.png")
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*seamtest.Wait)
	defer cancel()
	run := func(args ...string) []byte {
		t.Helper()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
			"--no-first-run", "--user-data-dir=" + profile, "--window-size=900,520"}
		cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", browser, args, err, stderr.String())
		}
		return out
	}
	dom := string(run("--dump-dom", a.base+"/debug/tree"))
	for _, want := range []string{
		`<span class="name">app</span>`,
		`<span class="name">echo</span><span class="kind">listener</span><span class="state running">running</span><span class="num">conns 2, accepted 2</span>`,
		`<span class="name">jobs</span><span class="kind">group</span>`,
		`<span class="name">workers</span><span class="kind">supervisor</span>`,
		`<span class="name">worker</span><span class="kind">service</span><span class="state running">running</span><span class="num">failures 1, restarts 1</span>`,
		"ready: true",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q:\n%s", want, dom)
		}
	}
	run("--screenshot="+shot, a.base+"/debug/tree")
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 1000 {
		t.Fatalf("screenshot %s: %v (size %v)", shot, err, fi)
	}
	t.Logf("screenshot of /debug/tree: %s (%d bytes)", shot, fi.Size())
}
