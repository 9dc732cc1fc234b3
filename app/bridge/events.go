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
	// EventPhotosImporting carries a photos.Progress: files finished so far in a running import.
	EventPhotosImporting = "photos:importing"
	// EventPhotosImported carries the photos.ImportResult of a finished (or cancelled) import.
	EventPhotosImported = "photos:imported"
	// EventPhotosDropped fires when files dropped on the window started an import (carries how many paths).
	EventPhotosDropped = "photos:dropped"
	// EventSyncProgress carries an outbox.Progress: the upload's items that changed and its totals.
	EventSyncProgress = "sync:progress"
	// EventSyncPulled carries an outbox.PullResult when the server's changes came in.
	EventSyncPulled = "sync:pulled"
	// EventPublishProgress carries a wordpress.Progress: the WordPress jobs that changed and the totals.
	EventPublishProgress = "publish:progress"
	// EventPhotosChanged carries the ids of photos whose fields changed (caption edited, template applied).
	EventPhotosChanged = "photos:changed"
)
