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
