package bridge

// Events the Go side emits to the frontend. frontend/src/lib/api.ts mirrors
// these names; keep the two lists in step.
const (
	// EventNetStatus carries a netstatus.Status whenever online/offline changes.
	EventNetStatus = "net:status"
	// EventActivated fires when a second launch brought this window forward.
	EventActivated = "app:activated"
	// EventFlush asks the frontend to save unsaved edits now (the window is closing).
	EventFlush = "app:flush"
	// EventFlushed is the frontend's answer to EventFlush.
	EventFlushed = "app:flushed"
)
