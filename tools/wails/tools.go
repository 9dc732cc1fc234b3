//go:build tools

// Package tools pins the Wails CLI. It lives in a module of its own because
// wails v2.9.2 pins a golang.org/x/tools that no longer compiles with Go 1.26;
// this module lifts that one dependency without touching the app's go.mod.
package tools

import _ "github.com/wailsapp/wails/v2/cmd/wails"
