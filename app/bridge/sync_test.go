package bridge

import (
	"testing"

	"github.com/warta-news/warta/app/ids"
)

// A store from the single-account days: its account joins the account
// list with an id, signed in, as the upload target, and its outbox
// records move under that id.
func TestSyncAdoptsLegacyAccount(t *testing.T) {
	a := newTestApp(t)
	st := a.d.Store
	old := Account{URL: "https://warta.example.go.id", User: "rina", Device: "Warta laptop", TokenIn: "file"}
	if err := st.PutJSON(keyLegacyAccount, old); err != nil {
		t.Fatal(err)
	}
	if err := st.PutJSON("ob/i/a-x", map[string]string{"id": "a-x", "state": "queued"}); err != nil {
		t.Fatal(err)
	}
	list, err := a.sync.Accounts()
	if err != nil || len(list) != 1 {
		t.Fatalf("accounts %v, err %v", list, err)
	}
	got := list[0]
	if !ids.Valid(got.ID) || got.Kind != KindWarta || !got.SignedIn || got.URL != old.URL || got.User != old.User {
		t.Fatalf("account %+v", got)
	}
	if target, _ := a.sync.Target(); target != got.ID {
		t.Fatalf("target %q", target)
	}
	if _, err := st.Get(keyLegacyAccount); err == nil {
		t.Fatal("the old account record stayed")
	}
	if keys, _ := st.Keys("ob/" + got.ID + "/i/"); len(keys) != 1 {
		t.Fatalf("moved items %v", keys)
	}
	if keys, _ := st.Keys("ob/i/"); len(keys) != 0 {
		t.Fatalf("items left behind %v", keys)
	}
	// Removing the account forgets what was queued for it.
	if err := a.sync.RemoveAccount(got.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := st.Keys("ob/" + got.ID + "/"); len(keys) != 0 {
		t.Fatalf("records left %v", keys)
	}
	if list, _ := a.sync.Accounts(); len(list) != 0 {
		t.Fatalf("accounts %v", list)
	}
	// A fresh bridge on the same store reads the list as saved.
	b := New(a.d)
	if list, err := b.sync.Accounts(); err != nil || len(list) != 0 {
		t.Fatalf("reloaded %v %v", list, err)
	}
}
