//go:build bindings

package main

// The Wails CLI generates the frontend's bindings by building this program
// with the "bindings" tag and running it; that run must not touch user data
// or the instance lock.
const bindingsOnly = true
