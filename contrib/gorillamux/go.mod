module github.com/rampartsec/rampart/contrib/gorillamux

go 1.26.0

require (
	github.com/gorilla/mux v1.8.1
	github.com/rampartsec/rampart v0.0.0
)

replace github.com/rampartsec/rampart => ../..
