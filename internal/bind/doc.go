// Package bind holds the socket that listener.Server and services.HTTP
// serve, and what they do alike around it: bind it from an address and
// bind it again at the same port after a fault, or serve a given Listener
// once; report readiness and the bound address; and end a Serve with an
// error that carries a suture sentinel without the sentinel's text.
//
// It is internal: users see each package's own fields, methods and errors.
package bind
