package bridge

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// guard runs a bound method's body, logging failures and turning a panic
// into an error the UI can show.
func guard[T any](log *slog.Logger, method string, f func() (T, error)) (res T, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic in bound method", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			var zero T
			res, err = zero, fmt.Errorf("internal error in %s: %v (details are in the log file)", method, r)
		}
	}()
	res, err = f()
	if err != nil {
		log.Warn("bound method failed", "method", method, "err", err)
	}
	return res, err
}

// guardErr is guard for methods that return only an error.
func guardErr(log *slog.Logger, method string, f func() error) error {
	_, err := guard(log, method, func() (struct{}, error) { return struct{}{}, f() })
	return err
}
