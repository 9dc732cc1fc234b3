package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/ids"
	"github.com/warta-news/warta/app/outbox"
	"github.com/warta-news/warta/app/secrets"
	"github.com/warta-news/warta/app/store"
	"github.com/warta-news/warta/app/wordpress"
)

// Server accounts. keyAccounts holds them all (accountsRecord); their
// tokens and passwords are in the system keyring (app/secrets), never in
// the store. keyLegacyAccount is the single account of earlier versions,
// moved into keyAccounts on first start.
const (
	keyAccounts      = "cfg/accounts"
	keyLegacyAccount = "cfg/syncAccount"
)

// Account kinds.
const (
	KindWarta     = "warta"     // a Warta server (cmd/warta-server)
	KindWordPress = "wordpress" // a WordPress site (app/wordpress)
)

// Account is a server the app uploads to.
type Account struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"` // a WordPress site's title
	URL    string `json:"url"`
	User   string `json:"user"`
	Device string `json:"device"`
	// SignedIn is false after Sign out: the account and what is queued
	// for it stay, and signing in again goes on where it stopped.
	SignedIn bool `json:"signedIn"`
	// TokenIn says where the login token is kept: "keyring" or "file";
	// TokenNote explains a file fallback in plain words.
	TokenIn   string `json:"tokenIn"`
	TokenNote string `json:"tokenNote"`
	TokenPath string `json:"tokenPath"` // the file, when TokenIn is "file"
	// CanPublish: a WordPress user who may publish and schedule posts (not
	// only save drafts and submit them for review), as Check found.
	CanPublish bool `json:"canPublish,omitempty"`
}

// accountsRecord is keyAccounts.
type accountsRecord struct {
	Accounts []Account `json:"accounts"`
	// Target is the account "Upload all" sends to (the last one chosen).
	Target string `json:"target"`
}

// ServerCopy is the server's side of a conflict as the upload screen shows it.
type ServerCopy struct {
	Rev       int64     `json:"rev"`
	UpdatedBy string    `json:"updatedBy"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SyncItem is an outbox item as the upload screen shows it.
type SyncItem struct {
	outbox.Item
	Account    string      `json:"account"`              // the account's id
	Title      string      `json:"title"`                // headline or photo file name
	ServerCopy *ServerCopy `json:"serverCopy,omitempty"` // a conflict's server side
}

// SyncProgress is an outbox.Progress of one account (EventSyncProgress).
type SyncProgress struct {
	Account string `json:"account"`
	outbox.Progress
}

// Sync is bound as window.go.bridge.Sync: the batch upload to the Warta
// servers the user has accounts on, one outbox per account.
type Sync struct {
	app *App

	mu      sync.Mutex
	secrets *secrets.Store
	rec     accountsRecord
	loaded  bool
	boxes   map[string]*outbox.Outbox // signed-in Warta accounts
	running map[string]bool
	polling bool // the periodic pull runs (once per app run)

	pub *wordpress.Publisher // WordPress jobs of every site account
}

func (s *Sync) secretsStore() *secrets.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets == nil {
		// The probe of the system keyring can take up to 2 s: done once.
		s.secrets = secrets.New("Warta", s.app.d.Layout.Root, s.app.log)
	}
	return s.secrets
}

func secretName(a Account) string {
	if a.Kind == KindWordPress {
		return "wordpress:" + strings.TrimRight(a.URL, "/") + "/" + a.User
	}
	return "server:" + strings.TrimRight(a.URL, "/") + "/" + a.User
}

// load reads the accounts once, moving a single account of an earlier
// version (and its outbox records) into the list. The caller holds s.mu.
func (s *Sync) load() error {
	if s.loaded {
		return nil
	}
	st := s.app.d.Store
	if st == nil {
		return errNoStore
	}
	err := st.GetJSON(keyAccounts, &s.rec)
	if errors.Is(err, store.ErrNotFound) {
		s.rec = accountsRecord{}
		var old Account
		switch lerr := st.GetJSON(keyLegacyAccount, &old); {
		case lerr == nil:
			old.ID, old.Kind, old.SignedIn = ids.New(time.Now()), KindWarta, true
			if err := outbox.AdoptLegacy(st, old.ID); err != nil {
				return err
			}
			s.rec = accountsRecord{Accounts: []Account{old}, Target: old.ID}
			if err := st.PutJSON(keyAccounts, s.rec); err != nil {
				return err
			}
			_ = st.Delete(keyLegacyAccount)
			s.app.log.Info("server account moved to the account list", "account", old.ID)
		case !errors.Is(lerr, store.ErrNotFound):
			return lerr
		}
		err = nil
	}
	if err != nil {
		return err
	}
	if s.boxes == nil {
		s.boxes, s.running = map[string]*outbox.Outbox{}, map[string]bool{}
	}
	s.loaded = true
	return nil
}

// save writes the accounts. The caller holds s.mu.
func (s *Sync) save() error { return s.app.d.Store.PutJSON(keyAccounts, s.rec) }

// account finds an account by id. The caller holds s.mu.
func (s *Sync) account(id string) (int, *Account) {
	for i := range s.rec.Accounts {
		if s.rec.Accounts[i].ID == id {
			return i, &s.rec.Accounts[i]
		}
	}
	return -1, nil
}

// start opens the outbox of every signed-in account and resumes whatever
// was left to send when the app last closed.
func (s *Sync) start() {
	if s.app.d.Store == nil {
		return
	}
	s.mu.Lock()
	err := s.load()
	list := slices.Clone(s.rec.Accounts)
	s.mu.Unlock()
	if err != nil {
		s.app.log.Warn("server accounts unreadable", "err", err)
		return
	}
	any := false
	for _, a := range list {
		if a.Kind != KindWarta || !a.SignedIn {
			continue
		}
		token, _, err := s.secretsStore().Get(secretName(a))
		if err != nil {
			s.app.log.Warn("server token not found; sign in again", "account", a.ID, "err", err)
			continue
		}
		s.open(a, token)
		s.kick(a.ID)
		any = true
	}
	if any {
		s.pullEvery(5 * time.Minute)
	}
	s.kickPublisher()
	s.refreshTerms()
}

// pullEvery brings the office's changes in now and then every interval,
// while the app runs.
func (s *Sync) pullEvery(interval time.Duration) {
	s.mu.Lock()
	if s.polling {
		s.mu.Unlock()
		return
	}
	s.polling = true
	s.mu.Unlock()
	s.app.spawn(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.pull()
			select {
			case <-s.app.workCtx().Done():
				return
			case <-t.C:
			}
		}
	})
}

// pull runs one Pull on every signed-in account and tells the page what
// came in. The first error is returned; the other accounts are pulled
// all the same.
func (s *Sync) pull() (outbox.PullResult, error) {
	var sum outbox.PullResult
	var first error
	for id, box := range s.boxesNow() {
		ctx, cancel := context.WithTimeout(s.app.workCtx(), 2*time.Minute)
		res, err := box.Pull(ctx)
		cancel()
		if err != nil {
			s.app.log.Warn("pull of the server's changes failed", "account", id, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		sum.Updated += res.Updated
		sum.Created += res.Created
		sum.Conflicts += res.Conflicts
		sum.Skipped += res.Skipped
	}
	if sum.Updated+sum.Created+sum.Conflicts > 0 {
		s.app.log.Info("pulled the servers' changes", "updated", sum.Updated, "created", sum.Created, "conflicts", sum.Conflicts)
		if s.app.ctx != nil {
			wruntime.EventsEmit(s.app.ctx, EventSyncPulled, sum)
		}
	}
	return sum, first
}

// boxesNow is a copy of the open outboxes by account id.
func (s *Sync) boxesNow() map[string]*outbox.Outbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]*outbox.Outbox, len(s.boxes))
	for k, v := range s.boxes {
		m[k] = v
	}
	return m
}

// Pull brings editors' changes from every server into the local library
// now; a change made on both sides becomes a conflict to resolve.
func (s *Sync) Pull() (outbox.PullResult, error) {
	return guard(s.app.log, "Sync.Pull", func() (outbox.PullResult, error) {
		if len(s.boxesNow()) == 0 {
			return outbox.PullResult{}, errNoAccount
		}
		return s.pull()
	})
}

var errNoAccount = errors.New("no Warta server account: sign in first (Settings)")

func (s *Sync) open(a Account, token string) {
	client := outbox.NewClient(a.URL, token)
	box := outbox.New(s.app.d.Store, client, s.app.articles.lib, s.app.photos.lib, outbox.Options{
		Log:     s.app.log.With("account", a.ID),
		Account: a.ID,
		// Settings → "upload full-size originals", read when each photo goes.
		Originals: func() bool {
			st, err := s.app.settings.Load()
			return err == nil && st.SendOriginals
		},
	})
	s.mu.Lock()
	s.boxes[a.ID] = box
	s.mu.Unlock()
}

// kick runs an account's outbox in the background until nothing is left
// to send.
func (s *Sync) kick(id string) {
	s.mu.Lock()
	box := s.boxes[id]
	if box == nil || s.running[id] {
		s.mu.Unlock()
		return
	}
	s.running[id] = true
	s.mu.Unlock()
	s.app.spawn(func() {
		defer func() {
			s.mu.Lock()
			delete(s.running, id)
			s.mu.Unlock()
		}()
		err := box.Run(s.app.workCtx(), func(p outbox.Progress) {
			// Whole articles stay in Go; the page asks Items() for a
			// conflict's details.
			for i := range p.Items {
				p.Items[i].Body = nil
				p.Items[i].Conflict = nil
			}
			if s.app.ctx != nil {
				wruntime.EventsEmit(s.app.ctx, EventSyncProgress, SyncProgress{Account: id, Progress: p})
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			s.app.log.Error("upload stopped", "account", id, "err", err)
			return
		}
		if err == nil {
			_, _ = s.pull() // what the office changed meanwhile
		}
	})
}

// outbox is the open outbox of a signed-in account.
func (s *Sync) outbox(id string) (*outbox.Outbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if box := s.boxes[id]; box != nil {
		return box, nil
	}
	if _, a := s.account(id); a != nil {
		return nil, fmt.Errorf("signed out of %s: sign in again (Settings)", a.URL)
	}
	return nil, errNoAccount
}

// Accounts lists the server accounts, signed in or not.
func (s *Sync) Accounts() ([]Account, error) {
	return guard(s.app.log, "Sync.Accounts", func() ([]Account, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.load(); err != nil {
			return nil, err
		}
		return append([]Account{}, s.rec.Accounts...), nil
	})
}

// Target is the id of the account "Upload all" sends to: the one chosen
// last, else the first signed-in one ("" when there is none).
func (s *Sync) Target() (string, error) {
	return guard(s.app.log, "Sync.Target", func() (string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.load(); err != nil {
			return "", err
		}
		if _, a := s.account(s.rec.Target); a != nil && a.SignedIn {
			return a.ID, nil
		}
		for _, a := range s.rec.Accounts {
			if a.SignedIn && a.Kind == KindWarta {
				return a.ID, nil
			}
		}
		return "", nil
	})
}

// SetTarget makes id the account "Upload all" sends to.
func (s *Sync) SetTarget(id string) error {
	return guardErr(s.app.log, "Sync.SetTarget", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.load(); err != nil {
			return err
		}
		if _, a := s.account(id); a == nil {
			return fmt.Errorf("no account %q", id)
		}
		s.rec.Target = id
		return s.save()
	})
}

// SignIn checks the server, logs in and keeps the token in the keyring.
// The same server and user again is the same account (signed in anew);
// anything else is a new account.
func (s *Sync) SignIn(serverURL, user, password string) (*Account, error) {
	return guard(s.app.log, "Sync.SignIn", func() (*Account, error) {
		if s.app.d.Store == nil {
			return nil, errNoStore
		}
		u, err := url.Parse(strings.TrimSpace(serverURL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not a server address: write it like https://warta.example.go.id", serverURL)
		}
		user = strings.TrimSpace(user)
		if user == "" || password == "" {
			return nil, errors.New("user name and password are required")
		}
		host, _ := os.Hostname()
		a := Account{Kind: KindWarta, URL: strings.TrimRight(u.String(), "/"), User: user, Device: "Warta " + host, SignedIn: true}
		client := outbox.NewClient(a.URL, "")
		ctx, cancel := context.WithTimeout(s.app.workCtx(), 20*time.Second)
		defer cancel()
		if _, err := client.Health(ctx); err != nil {
			return nil, err
		}
		token, err := client.Login(ctx, a.User, password, a.Device)
		if err != nil {
			return nil, err
		}
		a, err = s.keep(a, token, "login token")
		if err != nil {
			return nil, err
		}
		s.open(a, token)
		s.kick(a.ID)
		s.pullEvery(5 * time.Minute)
		return &a, nil
	})
}

// keep stores an account's secret in the keyring (saying where) and the
// account in the list: the same kind, URL and user is the same account
// (its id kept), anything else a new one. A Warta account becomes the
// upload target when there is no signed-in one.
func (s *Sync) keep(a Account, secret, what string) (Account, error) {
	sec := s.secretsStore()
	where, err := sec.Set(secretName(a), secret)
	if err != nil {
		return a, fmt.Errorf("keep the %s: %w", what, err)
	}
	a.TokenIn, a.TokenNote = string(where), sec.FallbackReason()
	if where == secrets.InFile {
		a.TokenPath = sec.Path()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return a, err
	}
	i := slices.IndexFunc(s.rec.Accounts, func(o Account) bool { return o.Kind == a.Kind && o.URL == a.URL && o.User == a.User })
	if i >= 0 {
		a.ID = s.rec.Accounts[i].ID
		s.rec.Accounts[i] = a
	} else {
		a.ID = ids.New(time.Now())
		s.rec.Accounts = append(s.rec.Accounts, a)
	}
	if _, t := s.account(s.rec.Target); a.Kind == KindWarta && (t == nil || !t.SignedIn) {
		s.rec.Target = a.ID
	}
	return a, s.save()
}

// SignOut forgets an account's token and stops its uploads; the account
// and what is queued for it stay for the next sign-in.
func (s *Sync) SignOut(id string) error {
	return guardErr(s.app.log, "Sync.SignOut", func() error {
		s.mu.Lock()
		if err := s.load(); err != nil {
			s.mu.Unlock()
			return err
		}
		_, a := s.account(id)
		if a == nil {
			s.mu.Unlock()
			return fmt.Errorf("no account %q", id)
		}
		box := s.boxes[id]
		delete(s.boxes, id)
		a.SignedIn = false
		acct := *a
		err := s.save()
		s.mu.Unlock()
		if box != nil {
			box.Pause()
		}
		if err != nil {
			return err
		}
		return s.secretsStore().Delete(secretName(acct))
	})
}

// RemoveAccount signs out of an account and forgets it with everything
// queued for it (the articles and photos stay in the library).
func (s *Sync) RemoveAccount(id string) error {
	return guardErr(s.app.log, "Sync.RemoveAccount", func() error {
		s.mu.Lock()
		if err := s.load(); err != nil {
			s.mu.Unlock()
			return err
		}
		i, a := s.account(id)
		if a == nil {
			s.mu.Unlock()
			return fmt.Errorf("no account %q", id)
		}
		acct := *a
		box := s.boxes[id]
		delete(s.boxes, id)
		s.rec.Accounts = slices.Delete(s.rec.Accounts, i, i+1)
		if s.rec.Target == id {
			s.rec.Target = ""
		}
		err := s.save()
		s.mu.Unlock()
		if box != nil {
			box.Pause()
		}
		if err != nil {
			return err
		}
		switch acct.Kind {
		case KindWarta:
			if err := outbox.Forget(s.app.d.Store, id); err != nil {
				return err
			}
		case KindWordPress:
			if err := s.publisher().ForgetAccount(id); err != nil {
				return err
			}
		}
		return s.secretsStore().Delete(secretName(acct))
	})
}

// Ready lists the articles marked ready to send (status "ready") that are
// not queued for the account, and not on its server unchanged since.
func (s *Sync) Ready(account string) ([]articles.Summary, error) {
	return guard(s.app.log, "Sync.Ready", func() ([]articles.Summary, error) {
		if s.app.articles.lib == nil {
			return nil, errNoStore
		}
		list, err := s.app.articles.lib.List(articles.Query{Status: articles.StatusReady, Limit: 1000})
		if err != nil {
			return nil, err
		}
		box, err := s.outbox(account)
		if err != nil {
			return list, nil
		}
		items, err := box.Items()
		if err != nil {
			return nil, err
		}
		sent := map[string]outbox.Item{}
		for _, it := range items {
			if it.Kind == outbox.KindArticle {
				sent[it.LocalID] = it
			}
		}
		out := list[:0]
		for _, a := range list {
			it, ok := sent[a.ID]
			if ok && (it.State != outbox.StateDone || !a.UpdatedAt.After(it.Updated)) {
				continue // queued, sending, waiting, failed, in conflict — or sent and not edited since
			}
			if box.InStep(a.ID, a.UpdatedAt) {
				continue // the server has this text already (pulled, or sent earlier)
			}
			out = append(out, a)
		}
		return out, nil
	})
}

// Send queues the articles and their photos for the account and starts
// uploading.
func (s *Sync) Send(account string, ids []string) error {
	return guardErr(s.app.log, "Sync.Send", func() error {
		box, err := s.outbox(account)
		if err != nil {
			return err
		}
		if err := box.Enqueue(ids); err != nil {
			return err
		}
		box.Resume()
		s.kick(account)
		return nil
	})
}

// Items lists, for every signed-in account, what is queued, sending,
// waiting, failed, in conflict or done.
func (s *Sync) Items() ([]SyncItem, error) {
	return guard(s.app.log, "Sync.Items", func() ([]SyncItem, error) {
		out := []SyncItem{}
		s.mu.Lock()
		order := make([]string, 0, len(s.rec.Accounts))
		for _, a := range s.rec.Accounts {
			order = append(order, a.ID)
		}
		s.mu.Unlock()
		boxes := s.boxesNow()
		for _, acct := range order {
			box := boxes[acct]
			if box == nil {
				continue
			}
			items, err := box.Live()
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				v := SyncItem{Item: it, Account: acct}
				v.Body = nil
				if c := it.Conflict; c != nil {
					v.ServerCopy = &ServerCopy{Rev: c.Rev, UpdatedBy: c.UpdatedBy, UpdatedAt: c.UpdatedAt}
				}
				v.Item.Conflict = nil
				switch it.Kind {
				case outbox.KindArticle:
					if a, err := s.app.articles.lib.Get(it.LocalID); err == nil {
						v.Title = a.Headline
					}
				case outbox.KindPhoto:
					if p, err := s.app.photos.lib.Get(it.LocalID); err == nil {
						v.Title = p.Name
					}
				}
				out = append(out, v)
			}
		}
		return out, nil
	})
}

// Retry sends a failed item of the account again.
func (s *Sync) Retry(account, id string) error {
	return guardErr(s.app.log, "Sync.Retry", func() error {
		box, err := s.outbox(account)
		if err != nil {
			return err
		}
		if err := box.Retry(id); err != nil {
			return err
		}
		s.kick(account)
		return nil
	})
}

// Pause stops every account's upload after the current piece; Resume goes on.
func (s *Sync) Pause() error {
	return guardErr(s.app.log, "Sync.Pause", func() error {
		for _, box := range s.boxesNow() {
			box.Pause()
		}
		return nil
	})
}

// Resume continues the paused uploads.
func (s *Sync) Resume() error {
	return guardErr(s.app.log, "Sync.Resume", func() error {
		for id, box := range s.boxesNow() {
			box.Resume()
			s.kick(id)
		}
		return nil
	})
}

// Resolve settles a conflict of the account: "mine", "theirs" or "both".
func (s *Sync) Resolve(account, id, choice string) error {
	return guardErr(s.app.log, "Sync.Resolve", func() error {
		box, err := s.outbox(account)
		if err != nil {
			return err
		}
		if err := box.Resolve(id, choice); err != nil {
			return err
		}
		s.kick(account)
		return nil
	})
}

// Remove drops an item of the account that is done or failed from the list.
func (s *Sync) Remove(account, id string) error {
	return guardErr(s.app.log, "Sync.Remove", func() error {
		box, err := s.outbox(account)
		if err != nil {
			return err
		}
		return box.Remove(id)
	})
}
