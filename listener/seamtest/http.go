package seamtest

import (
	"io"
	"net/http"
	"testing"
)

// Get fetches url with c, or http.DefaultClient if c is nil, and returns
// the response's status code and its whole body; it fails t if the
// request or the read fails. Call it from the test's goroutine.
func Get(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("seamtest: GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("seamtest: GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}
