package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/outbox"
	"github.com/warta-news/warta/app/secrets"
	"github.com/warta-news/warta/app/store"
)

// keyAccount holds the Warta server account (Account JSON); its token is
// in the system keyring (app/secrets), never in the store.
const keyAccount = "cfg/syncAccount"

// Account is the Warta server the app uploads to.
type Account struct {
	URL    string `json:"url"`
	User   string `json:"user"`
	Device string `json:"device"`
	// TokenIn says where the login token is kept: "keyring" or "file";
	// TokenNote explains a file fallback in plain words.
	TokenIn   string `json:"tokenIn"`
	TokenNote string `json:"tokenNote"`
	TokenPath string `json:"tokenPath"` // the file, when TokenIn is "file"
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
	Title      string      `json:"title"`                // headline or photo file name
	ServerCopy *ServerCopy `json:"serverCopy,omitempty"` // a conflict's server side
}

// Sync is bound as window.go.bridge.Sync: the batch upload to a Warta server.
type Sync struct {
	app *App

	mu      sync.Mutex
	secrets *secrets.Store
	box     *outbox.Outbox
	account *Account
	running bool
	polling bool // the periodic pull runs (once per app run)
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

func secretName(a Account) string { return "server:" + strings.TrimRight(a.URL, "/") + "/" + a.User }

// start opens the outbox for the stored account, if any, and resumes
// whatever was left to send when the app last closed.
func (s *Sync) start() {
	if s.app.d.Store == nil {
		return
	}
	var a Account
	if err := s.app.d.Store.GetJSON(keyAccount, &a); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.app.log.Warn("server account unreadable", "err", err)
		}
		return
	}
	token, _, err := s.secretsStore().Get(secretName(a))
	if err != nil {
		s.app.log.Warn("server token not found; sign in again", "err", err)
		return
	}
	s.open(a, token)
	s.kick()
	s.pullEvery(5 * time.Minute)
}

// pullEvery brings the office's changes in now and then every interval,
// while the app runs and an account is signed in.
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

// pull runs one Pull and tells the page what came in.
func (s *Sync) pull() (outbox.PullResult, error) {
	box, err := s.outbox()
	if err != nil {
		return outbox.PullResult{}, err
	}
	ctx, cancel := context.WithTimeout(s.app.workCtx(), 2*time.Minute)
	defer cancel()
	res, err := box.Pull(ctx)
	if err != nil {
		s.app.log.Warn("pull of the server's changes failed", "err", err)
		return res, err
	}
	if res.Updated+res.Created+res.Conflicts > 0 {
		s.app.log.Info("pulled the server's changes", "updated", res.Updated, "created", res.Created, "conflicts", res.Conflicts)
		if s.app.ctx != nil {
			wruntime.EventsEmit(s.app.ctx, EventSyncPulled, res)
		}
	}
	return res, nil
}

// Pull brings an editor's changes from the server into the local library
// now; a change made on both sides becomes a conflict to resolve.
func (s *Sync) Pull() (outbox.PullResult, error) {
	return guard(s.app.log, "Sync.Pull", s.pull)
}

func (s *Sync) open(a Account, token string) {
	client := outbox.NewClient(a.URL, token)
	box := outbox.New(s.app.d.Store, client, s.app.articles.lib, s.app.photos.lib, outbox.Options{
		Log: s.app.log,
		// Settings → "upload full-size originals", read when each photo goes.
		Originals: func() bool {
			st, err := s.app.settings.Load()
			return err == nil && st.SendOriginals
		},
	})
	s.mu.Lock()
	s.box, s.account = box, &a
	s.mu.Unlock()
}

// kick runs the outbox in the background until nothing is left to send.
func (s *Sync) kick() {
	s.mu.Lock()
	box := s.box
	if box == nil || s.running {
		s.mu.Unlock()
		return
	}
	s.running = true
	s.mu.Unlock()
	s.app.spawn(func() {
		defer func() {
			s.mu.Lock()
			s.running = false
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
				wruntime.EventsEmit(s.app.ctx, EventSyncProgress, p)
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			s.app.log.Error("upload stopped", "err", err)
			return
		}
		if err == nil {
			_, _ = s.pull() // what the office changed meanwhile
		}
	})
}

func (s *Sync) outbox() (*outbox.Outbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.box == nil {
		return nil, errors.New("no Warta server account: sign in first (Settings)")
	}
	return s.box, nil
}

// Account returns the server account, or nil when there is none.
func (s *Sync) Account() (*Account, error) {
	return guard(s.app.log, "Sync.Account", func() (*Account, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.account, nil
	})
}

// SignIn checks the server, logs in and keeps the token in the keyring.
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
		a := Account{URL: strings.TrimRight(u.String(), "/"), User: user, Device: "Warta " + host}
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
		sec := s.secretsStore()
		where, err := sec.Set(secretName(a), token)
		if err != nil {
			return nil, fmt.Errorf("keep the login token: %w", err)
		}
		a.TokenIn, a.TokenNote = string(where), sec.FallbackReason()
		if where == secrets.InFile {
			a.TokenPath = sec.Path()
		}
		var old Account
		if err := s.app.d.Store.GetJSON(keyAccount, &old); err == nil && old.User != a.User {
			// Another account on this server: its feed starts from the beginning.
			_ = s.app.d.Store.Delete("ob/c/" + a.URL)
		}
		if err := s.app.d.Store.PutJSON(keyAccount, a); err != nil {
			return nil, err
		}
		s.open(a, token)
		s.kick()
		s.pullEvery(5 * time.Minute)
		return &a, nil
	})
}

// SignOut forgets the account and its token; what is queued stays queued
// for the next sign-in.
func (s *Sync) SignOut() error {
	return guardErr(s.app.log, "Sync.SignOut", func() error {
		s.mu.Lock()
		a, box := s.account, s.box
		s.account, s.box = nil, nil
		s.mu.Unlock()
		if box != nil {
			box.Pause()
		}
		if a != nil {
			if err := s.secretsStore().Delete(secretName(*a)); err != nil {
				return err
			}
		}
		return s.app.d.Store.Delete(keyAccount)
	})
}

// Ready lists the articles marked ready to send (status "ready") that are
// not already queued, and not already on the server unchanged since.
func (s *Sync) Ready() ([]articles.Summary, error) {
	return guard(s.app.log, "Sync.Ready", func() ([]articles.Summary, error) {
		if s.app.articles.lib == nil {
			return nil, errNoStore
		}
		list, err := s.app.articles.lib.List(articles.Query{Status: articles.StatusReady, Limit: 1000})
		if err != nil {
			return nil, err
		}
		box, err := s.outbox()
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

// Send queues the articles and their photos and starts uploading.
func (s *Sync) Send(ids []string) error {
	return guardErr(s.app.log, "Sync.Send", func() error {
		box, err := s.outbox()
		if err != nil {
			return err
		}
		if err := box.Enqueue(ids); err != nil {
			return err
		}
		box.Resume()
		s.kick()
		return nil
	})
}

// Items lists what is queued, sending, waiting, failed, in conflict or done.
func (s *Sync) Items() ([]SyncItem, error) {
	return guard(s.app.log, "Sync.Items", func() ([]SyncItem, error) {
		box, err := s.outbox()
		if err != nil {
			return []SyncItem{}, nil
		}
		items, err := box.Items()
		if err != nil {
			return nil, err
		}
		out := make([]SyncItem, 0, len(items))
		for _, it := range items {
			v := SyncItem{Item: it}
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
		return out, nil
	})
}

// Retry sends a failed item again.
func (s *Sync) Retry(id string) error {
	return guardErr(s.app.log, "Sync.Retry", func() error {
		box, err := s.outbox()
		if err != nil {
			return err
		}
		if err := box.Retry(id); err != nil {
			return err
		}
		s.kick()
		return nil
	})
}

// Pause stops sending after the current piece; Resume goes on.
func (s *Sync) Pause() error {
	return guardErr(s.app.log, "Sync.Pause", func() error {
		box, err := s.outbox()
		if err == nil {
			box.Pause()
		}
		return err
	})
}

// Resume continues a paused upload.
func (s *Sync) Resume() error {
	return guardErr(s.app.log, "Sync.Resume", func() error {
		box, err := s.outbox()
		if err != nil {
			return err
		}
		box.Resume()
		s.kick()
		return nil
	})
}

// Resolve settles a conflict: "mine", "theirs" or "both".
func (s *Sync) Resolve(id, choice string) error {
	return guardErr(s.app.log, "Sync.Resolve", func() error {
		box, err := s.outbox()
		if err != nil {
			return err
		}
		if err := box.Resolve(id, choice); err != nil {
			return err
		}
		s.kick()
		return nil
	})
}

// Remove drops an item that is done or failed from the list.
func (s *Sync) Remove(id string) error {
	return guardErr(s.app.log, "Sync.Remove", func() error {
		box, err := s.outbox()
		if err != nil {
			return err
		}
		return box.Remove(id)
	})
}
