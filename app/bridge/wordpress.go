package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/wordpress"
)

// WordPress sites are accounts of kind KindWordPress in the same list as
// the Warta servers; their application passwords are in the keyring. One
// wordpress.Publisher, in the app's store, holds the jobs of every site.

// WordPressCheck is what "Test connection" found: OK, or the first
// problem (Code, one of wordpress's Code* constants, which the page
// translates, and WordPress's own words in Message).
type WordPressCheck struct {
	OK      bool               `json:"ok"`
	Code    string             `json:"code,omitempty"`
	Message string             `json:"message,omitempty"`
	Info    wordpress.SiteInfo `json:"info"`
	Account *Account           `json:"account,omitempty"` // set by AddWordPress when saved
}

// PublishOptions are the choices of the publish bar.
type PublishOptions struct {
	Status string `json:"status"` // draft, pending, publish, future
	Date   string `json:"date"`   // RFC 3339, for future
}

func (s *Sync) publisher() *wordpress.Publisher {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub == nil {
		s.pub = wordpress.NewPublisher(s.app.d.Store, s.app.articles.lib, s.app.photos.lib, wordpress.Options{Log: s.app.log})
	}
	return s.pub
}

// check runs Check against a site with a password.
func (s *Sync) check(siteURL, user, appPassword string) (WordPressCheck, *wordpress.Client) {
	var res WordPressCheck
	c, err := wordpress.New(strings.TrimSpace(siteURL), strings.TrimSpace(user), strings.TrimSpace(appPassword), nil)
	if err == nil {
		ctx, cancel := context.WithTimeout(s.app.workCtx(), 30*time.Second)
		defer cancel()
		res.Info, err = c.Check(ctx)
	}
	if err != nil {
		res.Code, res.Message = wordpress.CodeOf(err), err.Error()
		if res.Code == "" {
			res.Code = wordpress.CodeBadURL
		}
		return res, nil
	}
	res.OK = true
	return res, c
}

// TestWordPress is "Test connection": it says what is wrong, in a code
// the page translates, or what the user may do on the site.
func (s *Sync) TestWordPress(siteURL, user, appPassword string) (WordPressCheck, error) {
	return guard(s.app.log, "Sync.TestWordPress", func() (WordPressCheck, error) {
		res, _ := s.check(siteURL, user, appPassword)
		return res, nil
	})
}

// AddWordPress checks the site and, when the connection works, keeps the
// account (the application password in the keyring). The same site and
// user again is the same account.
func (s *Sync) AddWordPress(siteURL, user, appPassword string) (WordPressCheck, error) {
	return guard(s.app.log, "Sync.AddWordPress", func() (WordPressCheck, error) {
		if s.app.d.Store == nil {
			return WordPressCheck{}, errNoStore
		}
		res, c := s.check(siteURL, user, appPassword)
		if !res.OK {
			return res, nil
		}
		home := res.Info.Home
		if home == "" {
			home = c.URL()
		}
		a := Account{Kind: KindWordPress, Name: res.Info.Name, URL: strings.TrimRight(home, "/"), User: c.User(), SignedIn: true, CanPublish: res.Info.CanPublish}
		a, err := s.keep(a, strings.TrimSpace(appPassword), "application password")
		if err != nil {
			return res, err
		}
		res.Account = &a
		// The site's categories and tags, for suggestions offline.
		s.app.spawn(func() {
			ctx, cancel := context.WithTimeout(s.app.workCtx(), time.Minute)
			defer cancel()
			if _, err := s.publisher().RefreshTerms(ctx, a.ID, c); err != nil {
				s.app.log.Warn("fetch the site's categories and tags", "account", a.ID, "err", err)
			}
		})
		s.kickPublisher()
		return res, nil
	})
}

// client is the WordPress client of a signed-in site account.
func (s *Sync) client(accountID string) (*wordpress.Client, error) {
	s.mu.Lock()
	err := s.load()
	_, p := s.account(accountID)
	var a Account
	if p != nil {
		a = *p
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p == nil || a.Kind != KindWordPress {
		return nil, &wordpress.Error{Op: "publish", Code: wordpress.CodeAccount, Message: "the WordPress account was removed"}
	}
	if !a.SignedIn {
		return nil, &wordpress.Error{Op: "publish", Code: wordpress.CodeAccount, Message: "signed out of " + a.URL + ": add the site again in Settings"}
	}
	pw, _, err := s.secretsStore().Get(secretName(a))
	if err != nil {
		return nil, &wordpress.Error{Op: "publish", Code: wordpress.CodeAccount, Message: "the application password is not in the keyring: add the site again in Settings", Err: err}
	}
	return wordpress.New(a.URL, a.User, pw, nil)
}

// kickPublisher works through the WordPress jobs in the background. A
// run already under way takes up new jobs itself (Run refuses a second
// one with ErrRunning), so every enqueue may kick.
func (s *Sync) kickPublisher() {
	if s.app.d.Store == nil || s.app.articles.lib == nil {
		return
	}
	pub := s.publisher()
	s.app.spawn(func() {
		err := pub.Run(s.app.workCtx(), s.client, func(p wordpress.Progress) {
			for i := range p.Items {
				p.Items[i] = lightJob(p.Items[i])
			}
			if s.app.ctx != nil {
				wruntime.EventsEmit(s.app.ctx, EventPublishProgress, p)
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, wordpress.ErrRunning) {
			s.app.log.Error("WordPress publishing stopped", "err", err)
		}
	})
}

// lightJob drops a conflict's full texts from a job sent in an event;
// WordPressJobs has them.
func lightJob(j wordpress.Job) wordpress.Job {
	if j.Conflict != nil {
		c := *j.Conflict
		c.Site.Content, c.Mine.Content = "", ""
		j.Conflict = &c
	}
	return j
}

// ReadyForWordPress lists the articles marked ready that the site does not
// have as they are now: not queued for it, not published unchanged since.
func (s *Sync) ReadyForWordPress(accountID string) ([]articles.Summary, error) {
	return guard(s.app.log, "Sync.ReadyForWordPress", func() ([]articles.Summary, error) {
		if s.app.articles.lib == nil {
			return nil, errNoStore
		}
		list, err := s.app.articles.lib.List(articles.Query{Status: articles.StatusReady, Limit: 1000})
		if err != nil {
			return nil, err
		}
		jobs, err := s.publisher().Items()
		if err != nil {
			return nil, err
		}
		byArticle := map[string]wordpress.Job{}
		for _, j := range jobs {
			if j.Account == accountID {
				byArticle[j.Article] = j
			}
		}
		out := list[:0]
		for _, a := range list {
			j, ok := byArticle[a.ID]
			if ok && (j.State != wordpress.StateDone || !a.UpdatedAt.After(j.Updated)) {
				continue
			}
			out = append(out, a)
		}
		return out, nil
	})
}

// PublishWordPress queues the articles for the site with the chosen
// status and starts publishing.
func (s *Sync) PublishWordPress(accountID string, articleIDs []string, o PublishOptions) error {
	return guardErr(s.app.log, "Sync.PublishWordPress", func() error {
		if _, err := s.client(accountID); err != nil {
			return err
		}
		opts := wordpress.PostOptions{Status: o.Status}
		if o.Date != "" {
			d, err := time.Parse(time.RFC3339, o.Date)
			if err != nil {
				return fmt.Errorf("schedule date %q: %w", o.Date, err)
			}
			opts.Date = d
		}
		pub := s.publisher()
		for _, id := range articleIDs {
			if err := pub.Enqueue(accountID, id, opts); err != nil {
				return err
			}
		}
		s.kickPublisher()
		return nil
	})
}

// WordPressJobs lists the WordPress jobs of every site, conflicts with
// both versions.
func (s *Sync) WordPressJobs() ([]wordpress.Job, error) {
	return guard(s.app.log, "Sync.WordPressJobs", func() ([]wordpress.Job, error) {
		if s.app.d.Store == nil {
			return []wordpress.Job{}, nil
		}
		jobs, err := s.publisher().Items()
		if jobs == nil {
			jobs = []wordpress.Job{}
		}
		return jobs, err
	})
}

// RetryWordPress sends a failed job again.
func (s *Sync) RetryWordPress(jobID string) error {
	return guardErr(s.app.log, "Sync.RetryWordPress", func() error {
		if err := s.publisher().Retry(jobID); err != nil {
			return err
		}
		s.kickPublisher()
		return nil
	})
}

// RemoveWordPress drops a done or failed job from the list.
func (s *Sync) RemoveWordPress(jobID string) error {
	return guardErr(s.app.log, "Sync.RemoveWordPress", func() error { return s.publisher().Remove(jobID) })
}

// ResolveWordPress settles a conflict: "mine", "theirs" or "cancel".
func (s *Sync) ResolveWordPress(jobID, choice string) error {
	return guardErr(s.app.log, "Sync.ResolveWordPress", func() error {
		if err := s.publisher().Resolve(jobID, choice); err != nil {
			return err
		}
		s.kickPublisher()
		return nil
	})
}

// WordPressTerms returns the site's categories and tags as last fetched
// (offline suggestions).
func (s *Sync) WordPressTerms(accountID string) (wordpress.TermCache, error) {
	return guard(s.app.log, "Sync.WordPressTerms", func() (wordpress.TermCache, error) {
		return s.publisher().Terms(accountID)
	})
}

// siteTerms lists the category and tag names of every WordPress account
// as last fetched.
func (s *Sync) siteTerms() (cats, tags []string) {
	if s.app.d.Store == nil {
		return nil, nil
	}
	list, err := s.Accounts()
	if err != nil {
		return nil, nil
	}
	pub := s.publisher()
	for _, a := range list {
		if a.Kind != KindWordPress {
			continue
		}
		tc, err := pub.Terms(a.ID)
		if err != nil {
			continue
		}
		for _, t := range tc.Categories {
			cats = append(cats, t.Name)
		}
		for _, t := range tc.Tags {
			tags = append(tags, t.Name)
		}
	}
	return cats, tags
}

// refreshTerms fetches every signed-in site's categories and tags, for
// suggestions offline; a site that does not answer keeps its old list.
func (s *Sync) refreshTerms() {
	list, err := s.Accounts()
	if err != nil {
		return
	}
	for _, a := range list {
		if a.Kind != KindWordPress || !a.SignedIn {
			continue
		}
		c, err := s.client(a.ID)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(s.app.workCtx(), time.Minute)
		if _, err := s.publisher().RefreshTerms(ctx, a.ID, c); err != nil {
			s.app.log.Info("site categories and tags not refreshed", "account", a.ID, "err", err)
		}
		cancel()
	}
}

// OpenPost opens a published job's post in the system browser.
func (s *Sync) OpenPost(jobID string) error {
	return guardErr(s.app.log, "Sync.OpenPost", func() error {
		j, err := s.publisher().Item(jobID)
		if err != nil {
			return err
		}
		u, err := url.Parse(j.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("the post has no web address yet")
		}
		if s.app.ctx != nil {
			wruntime.BrowserOpenURL(s.app.ctx, u.String())
		}
		return nil
	})
}
