package bridge

import (
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/warta-news/warta/app/articles"
	"github.com/warta-news/warta/app/wordpress"
	"github.com/warta-news/warta/internal/wptest"
)

// A WordPress site added the way Settings does it: a wrong password is
// told apart and saves nothing; the right one keeps the account, and a
// ready article is published to the site as a draft.
func TestWordPressAccountAndPublish(t *testing.T) {
	site := wptest.Start(t)
	a := newTestApp(t)

	res, err := a.sync.AddWordPress(site.URL, site.Users["author"].Name, "xxxx xxxx xxxx xxxx xxxx xxxx")
	if err != nil || res.OK || res.Code != wordpress.CodeWrongPassword || res.Account != nil {
		t.Fatalf("wrong password: %+v, err %v", res, err)
	}
	if list, _ := a.sync.Accounts(); len(list) != 0 {
		t.Fatalf("saved after a failed check: %v", list)
	}
	res, err = a.sync.TestWordPress(site.URL, site.Users["subscriber"].Name, site.Users["subscriber"].AppPassword)
	if err != nil || res.OK || res.Code != wordpress.CodeNoRights {
		t.Fatalf("subscriber: %+v, err %v", res, err)
	}

	author := site.Users["author"]
	res, err = a.sync.AddWordPress(site.URL, author.Name, author.AppPassword)
	if err != nil || !res.OK || res.Account == nil || !res.Info.CanUpload {
		t.Fatalf("author: %+v, err %v", res, err)
	}
	acct := *res.Account
	if acct.Kind != KindWordPress || acct.Name == "" || !acct.SignedIn {
		t.Fatalf("account %+v", acct)
	}
	// The password is in the keyring (here: its file fallback), not the store.
	if pw, _, err := a.sync.secretsStore().Get(secretName(acct)); err != nil || pw != author.AppPassword {
		t.Fatalf("password kept: %q %v", pw, err)
	}

	art := sampleArticle(t, a)
	art.Status = articles.StatusReady
	if _, err := a.articles.lib.Save(art, false); err != nil {
		t.Fatal(err)
	}
	ready, err := a.sync.ReadyForWordPress(acct.ID)
	if err != nil || len(ready) != 1 || ready[0].ID != art.ID {
		t.Fatalf("ready %v, err %v", ready, err)
	}
	if err := a.sync.PublishWordPress(acct.ID, []string{art.ID}, PublishOptions{Status: "pending"}); err != nil {
		t.Fatal(err)
	}
	var job wordpress.Job
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := a.sync.WordPressJobs()
		if err != nil || len(jobs) != 1 {
			t.Fatalf("jobs %v, err %v", jobs, err)
		}
		job = jobs[0]
		if job.State == wordpress.StateDone || job.State == wordpress.StateFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", job.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if job.State != wordpress.StateDone || job.PostID == 0 {
		t.Fatalf("job %+v", job)
	}
	// Read the post back as the admin.
	req, _ := http.NewRequest("GET", site.URL+"/?rest_route=/wp/v2/posts/"+strconv.Itoa(job.PostID)+"&context=edit", nil)
	req.SetBasicAuth(site.Admin.Name, site.Admin.AppPassword)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var post struct {
		Status string `json:"status"`
		Title  struct {
			Rendered string `json:"rendered"`
		} `json:"title"`
	}
	if err := json.NewDecoder(r.Body).Decode(&post); err != nil {
		t.Fatal(err)
	}
	// The headline is text: "<Kehumasan>" shows as typed, it is no tag.
	if post.Status != "pending" || html.UnescapeString(post.Title.Rendered) != art.Headline {
		t.Fatalf("post on the site: %+v", post)
	}
	if ready, _ := a.sync.ReadyForWordPress(acct.ID); len(ready) != 0 {
		t.Fatalf("still offered after publishing: %v", ready)
	}
	// The site's categories are suggested while writing, offline too.
	for i := 0; ; i++ {
		sg, err := a.articles.Suggestions()
		if err == nil && slices.Contains(sg.Categories, "Uncategorized") {
			break
		}
		if i == 100 {
			t.Fatalf("site categories not suggested: %v %v", sg.Categories, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Removing the account forgets its jobs; the post stays on the site.
	if err := a.sync.RemoveAccount(acct.ID); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := a.sync.WordPressJobs(); len(jobs) != 0 {
		t.Fatalf("jobs left %v", jobs)
	}
	a.wg.Wait()
}
