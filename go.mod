module github.com/seamgo/seam

go 1.24.0

require (
	github.com/rs/zerolog v1.35.1
	github.com/thejerf/suture/v4 v4.0.6
	go.uber.org/goleak v1.3.0
)

require (
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
