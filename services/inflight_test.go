package services

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestInflightWaitBlocksUntilHandlersReturn(t *testing.T) {
	var f inflight
	if !f.enter() {
		t.Fatal("enter refused before wait")
	}
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		f.wait()
	}()
	select {
	case <-waited:
		t.Fatal("wait returned while a handler was running")
	case <-time.After(50 * time.Millisecond):
	}
	f.leave()
	waitClosed(t, waited, "wait to return after the last handler left")
	if f.enter() {
		t.Error("enter accepted a handler after wait")
	}
}

func TestInflightRefusesHandlersAfterWait(t *testing.T) {
	var f inflight
	f.wait()
	called := false
	h := f.wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), zerolog.Nop())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if called || rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after wait: handler called %v, status %d; want not called, 503", called, rec.Code)
	}
}
