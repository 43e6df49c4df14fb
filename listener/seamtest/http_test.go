package seamtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout " + r.URL.Path))
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if code, body := seamtest.Get(t, client, srv.URL+"/pot"); code != http.StatusTeapot || body != "short and stout /pot" {
		t.Fatalf("Get = %d %q", code, body)
	}
}
