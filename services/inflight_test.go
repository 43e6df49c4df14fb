package services

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/listener/seamtest"
)

func TestInflightCloseWaitsUntilHandlersReturn(t *testing.T) {
	var f inflight
	if !f.enter() {
		t.Fatal("enter refused before close")
	}
	drained := f.close()
	if isClosed(drained) {
		t.Fatal("drained while a handler was running")
	}
	if f.enter() {
		t.Error("enter accepted a handler after close")
	}
	f.leave()
	seamtest.Recv(t, drained, "the drain to end after the last handler left")
}

func TestInflightRefusesHandlersAfterClose(t *testing.T) {
	var f inflight
	seamtest.Recv(t, f.close(), "the drain of no handler to end")
	called := false
	h := f.wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), zerolog.Nop())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if called || rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after close: handler called %v, status %d; want not called, 503", called, rec.Code)
	}
}
