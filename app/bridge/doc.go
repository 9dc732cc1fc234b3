// Package bridge is the one package that knows about Wails. It binds the
// plain-Go services of app/ to the frontend, owns the window's lifecycle
// (start-up, close, signals) and turns every error or panic inside a bound
// method into a readable message for the UI.
//
// Bound methods return (T, error); Wails rejects the frontend's promise with
// the error's text. A panic is recovered, logged with its stack, and reported
// the same way, so the window never dies with the backend.
package bridge
