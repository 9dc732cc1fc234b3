// Package wordpress publishes Warta articles, with their captioned photos,
// to a WordPress site through its REST API (wp/v2), as a reporter's own
// user signed in with an application password (WordPress 5.6+).
//
// Client speaks to one site: Check ("Test connection": is it WordPress,
// is the REST API on, are application passwords available, is the password
// right, may the user write posts and upload photos), terms (categories
// and tags, EnsureTerm), media and posts. Every request goes to
// "<site>/?rest_route=/wp/v2/…", which works with or without pretty
// permalinks (/wp-json/ needs them); Check follows the site's
// Link rel="https://api.w.org/" when the address given is not the site's
// home. Failures are *Error values whose Code (badURL, unreachable, tls,
// notWordPress, restDisabled, wrongPassword, httpsNeeded, noAppPasswords,
// noRights, notFound, conflict, tooLarge, rejected, server, badAnswer,
// photo, article, account) the UI translates.
//
// Publisher is the durable queue on top, in the app's store: one job per
// article and account (Enqueue, Items, Run, Retry, Remove, Resolve), the
// posts articles became (Published) and each site's categories and tags
// for offline suggestions (RefreshTerms, Terms). A job uploads each photo referenced by the article
// ("warta-photo:<id>") as its web rendition with the captions embedded
// (IPTC, XMP, EXIF, as app/outbox sends it) and sets the attachment's
// caption, alt text, description and title; makes sure its categories
// and tags exist; then creates or updates the post (title = headline,
// excerpt = subheadline, content from articles.WordPressHTML with
// <figure class="wp-block-image"> figures pointing at the attachments,
// featured image = the first photo unless chosen). Status is draft or
// pending unless the user chose publish or future.
//
// Glossary:
//
//   - job: one article to publish to one account; id "<account>/<article id>".
//   - account: the caller's id for one site + user (letters, digits, . _ -);
//     the password is not here (the bridge keeps it in the OS keyring).
//   - intent: the unique slug chosen, and stored, before a create. WordPress
//     has no idempotency key, and a create repeated after a lost answer
//     makes a duplicate post or a "-1" attachment; so before creating again
//     Warta looks for its intent (posts: ?slug=…&status=any&context=edit;
//     media: ?slug=…) and adopts what it finds. Every remote id is stored
//     (synchronously: the store is SyncWrites) the moment the site gives it.
//   - text hash: SHA-256 of the post's raw title, content and excerpt as the
//     site had them after Warta's last write. A re-publish reads the site's
//     copy first: a different hash means someone edited the post on the
//     site, and the job stops in "conflict" with both versions
//     (Resolve: mine, theirs, cancel). modified_gmt is kept beside it for
//     the user (its one-second resolution cannot tell an edit made within
//     the same second).
//
// # Key layout (rows for app/store/doc.go)
//
//	wp/j/<account>/<article id>  JSON  a publish job (wordpress.Job): options, state, step,
//	                                   bytes, attempts, next attempt, error code and text,
//	                                   warnings, post id and link, conflict (both versions)
//	wp/p/<account>/<article id>  JSON  the post the article became: slug (the create intent,
//	                                   stored before the create), post id, link, status,
//	                                   modified_gmt and text hash after Warta's last write,
//	                                   the article version whose text the user let the site keep
//	wp/m/<account>/<photo id>    JSON  the attachment the photo became: slug and file name
//	                                   (the upload intent), media id, source_url, alt, hash of
//	                                   the caption fields last set
//	wp/t/<account>               JSON  the site's categories and tags as last fetched
//	                                   (wordpress.TermCache), for offline suggestions
//
// WordPress 6.1 behaviour the code relies on or works around (found
// against the real site the tests stand up):
//
//   - A wrong application password or an unknown user is not answered
//     with incorrect_password / invalid_username: WordPress checks the
//     password only after the point where it reports authentication
//     errors, so the request goes on as anonymous and /users/me answers
//     401 rest_not_logged_in. Both mean CodeWrongPassword.
//   - The REST index's "authentication" is [] (a PHP empty array), not {},
//     when application passwords are unavailable.
//   - kses (users without unfiltered_html: authors, contributors) rewrites
//     stored text: "<br/>" → "<br />", "&#34;" → "&#034;", "&" in a title
//     → "&amp;"; term names are stored with "&amp;" and searched that way.
//     articles.WordPressHTML writes kses's own forms, and texts are
//     compared normalised.
//   - The media search (?search=) matches file names too, not only titles
//     and captions; WordPress titles an upload from its IPTC headline
//     (2:105, else object name 2:05) and captions it from 2:120 by itself.
//   - An attachment's file cannot be replaced through the REST API: a
//     re-publish updates its caption, alt text, description and title;
//     the IPTC inside the file stays as first uploaded.
//   - Go follows a 301/302 to a POST as a GET: the client never follows
//     redirects for writes; Check adopts the address a read moved to.
//
// States: queued → sending → done; queued again after a failed attempt
// that may pass later (no answer, 5xx, 408, 429: 4 attempts, full-jitter
// backoff 2 s … 60 s); failed on a final error or the last attempt (Retry
// re-queues); conflict when the post changed on the site (Resolve).
package wordpress
