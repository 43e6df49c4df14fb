package admin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/services"
	"github.com/seamgo/seam/services/admin"
	"github.com/seamgo/seam/supervisor"
)

// An admin service first in the root group, reporting the Health that Run
// keeps: /readyz answers 200 once the whole tree is ready.
func Example() {
	health := &supervisor.Health{}
	adm := &admin.Server{Addr: "127.0.0.1:0", Health: health}
	worker := services.Func("worker", func(ctx context.Context) error {
		<-ctx.Done()
		return nil
	})
	tree := &supervisor.Group{Name: "app", Services: []suture.Service{adm, worker}}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- supervisor.Run(ctx, tree, supervisor.RunConfig{
			Health: health,
			OnReady: func() {
				go func() {
					defer cancel() // stop once the probe has answered
					client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
					resp, err := client.Get("http://" + adm.BoundAddr().String() + "/readyz")
					if err != nil {
						fmt.Println(err)
						return
					}
					defer resp.Body.Close()
					body, _ := io.ReadAll(resp.Body)
					fmt.Printf("%d %s", resp.StatusCode, body)
				}()
			},
		})
	}()
	fmt.Println("Run:", <-done)
	// Output:
	// 200 ready
	// Run: <nil>
}

// With a Token, the tree and pprof want it; the probes do not.
func ExampleServer_token() {
	adm := &admin.Server{Addr: "127.0.0.1:0", Health: &supervisor.Health{}, Token: "s3cret"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- adm.Serve(ctx) }()
	<-adm.Ready()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, token := range []string{"", "guess", "s3cret"} {
		req, _ := http.NewRequest("GET", "http://"+adm.BoundAddr().String()+"/debug/tree.json", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			continue
		}
		resp.Body.Close()
		fmt.Printf("token %q: %d\n", token, resp.StatusCode)
	}
	resp, err := client.Get("http://" + adm.BoundAddr().String() + "/healthz")
	if err == nil {
		resp.Body.Close()
		fmt.Println("/healthz without a token:", resp.StatusCode)
	}
	cancel()
	fmt.Println("Serve:", <-done)
	// Output:
	// token "": 401
	// token "guess": 403
	// token "s3cret": 200
	// /healthz without a token: 200
	// Serve: <nil>
}
