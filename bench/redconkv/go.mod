module github.com/seamgo/seam/bench/redconkv

go 1.24.0

require (
	github.com/seamgo/seam v0.0.0-00010101000000-000000000000
	github.com/tidwall/redcon v1.6.4
)

require (
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/pires/go-proxyproto v0.11.0 // indirect
	github.com/rs/zerolog v1.35.1 // indirect
	github.com/thejerf/suture/v4 v4.0.6 // indirect
	github.com/tidwall/btree v1.1.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	golang.org/x/sys v0.35.0 // indirect
)

replace github.com/seamgo/seam => ../..
