// Command warta-server is the Warta sync server: the desktop app pushes
// articles and photos to it and pulls the newsroom's changes back
// (docs/sync-protocol.md). The library is under server/; this only wires.
//
//	warta-server [--data DIR] [--listen ADDR] [--db URL] [--tls-cert F --tls-key F]
//	warta-server adduser --data DIR --name N --role R --newsroom X < password
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/warta-news/warta/server/api"
	"github.com/warta-news/warta/server/blobs"
	"github.com/warta-news/warta/server/store"
	"github.com/warta-news/warta/server/store/badgerstore"
	"github.com/warta-news/warta/server/upload"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// openPostgres opens the PostgreSQL store. It is nil until a file of this
// package sets it (see the report of issue 4: the lead wires
// server/store/pgstore here), so the server builds without it.
var openPostgres func(ctx context.Context, url string, log *slog.Logger) (store.Store, error)

// shutdownTimeout is how long in-flight requests get after SIGINT/SIGTERM.
const shutdownTimeout = 30 * time.Second

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "adduser" {
		err = addUser(os.Args[2:], os.Stdin, os.Stdout)
	} else {
		err = serve(os.Args[1:], os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "warta-server:", err)
		os.Exit(1)
	}
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// openStore opens the store named by --db: "" is Badger in DATA/db, a
// postgres:// URL is PostgreSQL.
func openStore(ctx context.Context, data, db string, log *slog.Logger) (store.Store, error) {
	switch {
	case db == "":
		return badgerstore.Open(filepath.Join(data, "db"), log.With("component", "store"))
	case strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://"):
		if openPostgres == nil {
			return nil, errors.New("PostgreSQL support is not built yet; leave --db empty to use the embedded database")
		}
		return openPostgres(ctx, db, log.With("component", "store"))
	default:
		return nil, fmt.Errorf("--db %q: want empty (embedded database in DATA/db) or a postgres:// URL", db)
	}
}

func serve(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("warta-server", flag.ContinueOnError)
	data := fs.String("data", "./warta-server-data", "data `directory` (database, photos, uploads)")
	listen := fs.String("listen", "127.0.0.1:8425", "`address` to serve on")
	db := fs.String("db", "", "database: empty for the embedded one in DATA/db, or a postgres:// `URL`")
	cert := fs.String("tls-cert", "", "TLS certificate `file` (PEM); with --tls-key serves HTTPS")
	key := fs.String("tls-key", "", "TLS private key `file` (PEM)")
	maxBody := fs.Int64("max-body", api.DefaultMaxBody, "largest request body in `bytes` (photos excepted)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	log := newLogger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	st, err := openStore(ctx, *data, *db, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
		log.Info("store closed")
	}()
	bs, err := blobs.Open(filepath.Join(*data, "blobs"))
	if err != nil {
		return err
	}

	cfg := api.Config{Store: st, Log: log, Version: version, MaxBody: *maxBody}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		cfg.SetupToken = newSetupToken()
		fmt.Fprintf(stdout, "No users yet. Create the first administrator with this one-time set-up token:\n"+
			"  SETUP TOKEN %s\n  (POST /api/v1/setup {\"token\": …, \"user\": …, \"password\": …}, or: warta-server adduser)\n", cfg.SetupToken)
	}
	var srv *api.Server
	photos, err := upload.New(upload.Config{
		Dir: filepath.Join(*data, "uploads"), Blobs: bs, Recorder: st, BasePath: "/api/v1/photos/", Log: log,
		Auth: func(r *http.Request) (string, error) {
			u, err := srv.Authenticate(r)
			return u.ID, err
		},
	})
	if err != nil {
		return err
	}
	cfg.Photos = photos
	srv = api.New(cfg)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	if scheme == "http" && !isLoopback(ln.Addr()) {
		fmt.Fprintf(stdout, "WARNING: serving plain HTTP on %s, a non-loopback address: passwords and tokens cross the network unencrypted. Use --tls-cert/--tls-key or a TLS proxy.\n", ln.Addr())
		log.Warn("plain HTTP on a non-loopback address", "addr", ln.Addr().String())
	}
	// The last line before serving; scripts and tests wait for it.
	fmt.Fprintf(stdout, "warta-server %s listening on %s://%s\n", version, scheme, ln.Addr())

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go srv.Serve(ctx)
	if bst, ok := st.(*badgerstore.Store); ok {
		go bst.Serve(ctx, 10*time.Minute)
	}
	served := make(chan error, 1)
	go func() {
		if *cert != "" {
			served <- hs.ServeTLS(ln, *cert, *key)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func newSetupToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// addUser: warta-server adduser --data DIR --name N --role R --newsroom X,
// the password on the first line of stdin. The server must not be running
// on the embedded database (it holds the lock).
func addUser(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("warta-server adduser", flag.ContinueOnError)
	data := fs.String("data", "./warta-server-data", "data `directory`")
	db := fs.String("db", "", "database (as for the server)")
	name := fs.String("name", "", "login `name`")
	display := fs.String("display", "", "shown `name` (default: the login name)")
	role := fs.String("role", store.RoleReporter, "reporter, editor or admin")
	newsroom := fs.String("newsroom", "", "the user's `newsroom`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("adduser: unexpected %q", fs.Args())
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStore(ctx, *data, *db, slog.New(slog.DiscardHandler))
	if err != nil {
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return fmt.Errorf("the database in %s is in use: stop warta-server first", *data)
		}
		return err
	}
	defer st.Close()
	u, err := api.NewUser(ctx, st, *name, *display, *role, *newsroom, password)
	if err != nil {
		return fmt.Errorf("adduser: %w", err)
	}
	fmt.Fprintf(stdout, "user %s (%s, newsroom %s) created\n", u.Name, u.Role, u.Newsroom)
	return nil
}
