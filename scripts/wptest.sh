#!/usr/bin/env bash
# wptest.sh stands up a throw-away WordPress site on 127.0.0.1 for tests, and
# takes it down again. Everything lives under DIR: the MariaDB data directory
# and socket, the site's config, its uploads and the logs.
#
#   scripts/wptest.sh start DIR   install a fresh site, write DIR/site.json, print its URL
#   scripts/wptest.sh stop DIR    stop its servers (idempotent)
#   scripts/wptest.sh php DIR     run PHP read from stdin inside the site (wp-load.php loaded)
#
# DIR/site.json: {"url", "admin", "adminPassword", "adminAppPassword",
# "users": {"editor"|"author"|"contributor"|"subscriber": {"name", "appPassword"}}}.
# With WPTEST_OWNER_PID=<pid> in the environment of start, the site stops
# itself within a second or two of that process's death.
#
# It uses Debian's packages (wordpress, mariadb-server, php-cli; scripts/setup.sh
# installs them) and needs root: MariaDB runs as user mysql, and Debian's
# WordPress reads its config from /etc/wordpress. Several sites can run at once
# (each has its own port, database server and uploads).
set -euo pipefail

WP=/usr/share/wordpress
# Debian's wp-config.php picks /etc/wordpress/config-<host>.php, host without
# port, so every site on 127.0.0.1 reads this one file. It hands over to the
# site's own config, named by WARTA_WP_SITE in the environment of the PHP
# server (its workers inherit it) or of the php-cli process.
DISPATCH=/etc/wordpress/config-127.0.0.1.php

die() {
  echo "wptest: $*" >&2
  exit 1
}

# tail_logs prints the end of each log of the site, for a failure message.
tail_logs() {
  local f
  for f in "$DIR"/logs/*.log; do
    [ -s "$f" ] || continue
    echo "--- $f (last lines)" >&2
    tail -n 25 "$f" >&2
  done
}

fail() {
  echo "wptest: $*" >&2
  tail_logs
  stop_site
  exit 1
}

# alive PID PATTERN: is PID running, and is it ours (its command line names
# this site's "DIR/": mariadbd's datadir, php's router.php, the watcher's
# argument)? The check guards against a recycled PID.
alive() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

check_packages() {
  [ -f "$WP/wp-settings.php" ] || die "wordpress not installed: run scripts/setup.sh"
  command -v php >/dev/null || die "php-cli not installed: run scripts/setup.sh"
  php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || die "php-mysql not installed: run scripts/setup.sh"
  command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null ||
    die "mariadb-server not installed: run scripts/setup.sh"
  [ "$(id -u)" -eq 0 ] || die "must run as root (MariaDB runs as user mysql, the site config goes to /etc/wordpress)"
  id mysql >/dev/null 2>&1 || die "user mysql missing: is mariadb-server installed?"
}

# free_port asks the kernel for a free port on 127.0.0.1. Another process
# could take it before php -S binds it; start_php retries in that case.
free_port() {
  php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);'
}

# write_dispatch writes $DISPATCH, or rewrites it when an older wptest.sh
# wrote it; a file of someone else's is left alone.
write_dispatch() {
  if [ -e "$DISPATCH" ] && ! grep -q WARTA_WP_SITE "$DISPATCH"; then
    die "$DISPATCH exists and is not wptest.sh's; move it away"
  fi
  # Written to a temporary file and renamed, so a site starting or running
  # meanwhile never reads half a file.
  cat >"$DISPATCH.$$" <<'PHP'
<?php
// Written by Warta's scripts/wptest.sh for its test sites on 127.0.0.1:
// each site's PHP server and php-cli runs carry WARTA_WP_SITE=<site dir>.
$warta_site = getenv('WARTA_WP_SITE');
if (!$warta_site || !is_file($warta_site . '/wp-config.php')) {
    header('HTTP/1.0 500 Internal Server Error');
    echo 'WARTA_WP_SITE does not name a wptest site';
    exit(1);
}
require $warta_site . '/wp-config.php';
PHP
  if cmp -s "$DISPATCH.$$" "$DISPATCH"; then
    rm -f "$DISPATCH.$$"
  else
    mv "$DISPATCH.$$" "$DISPATCH"
  fi
}

write_configs() {
  local port=$1 secret
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cat >"$DIR/wp-config.php" <<PHP
<?php
// This test site's config, read through $DISPATCH.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'wordpress');
define('DB_HOST', 'localhost:$DIR/mysql/mysqld.sock');
define('WP_HOME', 'http://127.0.0.1:$port');
define('WP_SITEURL', 'http://127.0.0.1:$port');
// Uploads (and mu-plugins) in the site's own directory; router.php serves them.
define('WP_CONTENT_DIR', '$DIR/wp-content');
define('WP_CONTENT_URL', 'http://127.0.0.1:$port/wp-content');
// 'local' lets application passwords work over plain HTTP.
define('WP_ENVIRONMENT_TYPE', 'local');
// No calls out of the machine, no background cron requests: tests stay
// offline and deterministic.
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
// Fatal errors to the log and stderr, not as an HTML page in a JSON answer.
define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
define('AUTH_KEY', '$secret-1');
define('SECURE_AUTH_KEY', '$secret-2');
define('LOGGED_IN_KEY', '$secret-3');
define('NONCE_KEY', '$secret-4');
define('AUTH_SALT', '$secret-5');
define('SECURE_AUTH_SALT', '$secret-6');
define('LOGGED_IN_SALT', '$secret-7');
define('NONCE_SALT', '$secret-8');
PHP

  # Themes, plugins and translations stay Debian's; uploads are the site's.
  mkdir -p "$DIR/wp-content/uploads" "$DIR/wp-content/mu-plugins"
  ln -sfn /var/lib/wordpress/wp-content/themes "$DIR/wp-content/themes"
  ln -sfn /var/lib/wordpress/wp-content/plugins "$DIR/wp-content/plugins"
  ln -sfn /var/lib/wordpress/wp-content/languages "$DIR/wp-content/languages"
  cat >"$DIR/wp-content/mu-plugins/wptest.php" <<'PHP'
<?php
// No mail leaves a test site (there is no mail server; a failed send is slow).
add_filter('pre_wp_mail', '__return_true');
PHP

  # router.php: the PHP server serves WordPress from its Debian directory, but
  # uploads live outside it (DIR/wp-content), so it serves /wp-content/ here.
  cat >"$DIR/router.php" <<'PHP'
<?php
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (strncmp($path, '/wp-content/', 12) === 0) {
    $root = realpath(getenv('WARTA_WP_SITE') . '/wp-content');
    $file = realpath($root . substr($path, 11));
    // Only files under wp-content (themes and plugins are symlinks into
    // /usr/share/wordpress), never PHP source.
    if ($file === false || !is_file($file) || preg_match('/\.php$/i', $file)
        || (strncmp($file, $root . '/', strlen($root) + 1) !== 0 && strncmp($file, '/usr/share/wordpress/', 21) !== 0)) {
        http_response_code(404);
        echo "not found\n";
        return true;
    }
    $types = ['jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'png' => 'image/png', 'gif' => 'image/gif',
              'webp' => 'image/webp', 'css' => 'text/css', 'js' => 'text/javascript', 'svg' => 'image/svg+xml'];
    $ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
    header('Content-Type: ' . ($types[$ext] ?? (mime_content_type($file) ?: 'application/octet-stream')));
    header('Content-Length: ' . filesize($file));
    readfile($file);
    return true;
}
return false; // WordPress's own files and scripts, as the PHP server finds them
PHP

  # eval.php runs PHP from stdin inside the site: the install below, user
  # set-up, and the Go harness's Site.PHP.
  cat >"$DIR/eval.php" <<PHP
<?php
// HTTP_HOST makes Debian's wp-config.php pick $DISPATCH.
\$_SERVER['HTTP_HOST'] = '127.0.0.1:$port';
\$_SERVER['SERVER_NAME'] = '127.0.0.1';
\$_SERVER['REQUEST_URI'] = '/';
if (getenv('WARTA_WP_INSTALLING')) {
    define('WP_INSTALLING', true);
}
require '$WP/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
\$warta_code = preg_replace('/^\s*<\?php/', '', stream_get_contents(STDIN));
eval(\$warta_code);
PHP
}

# run_php runs stdin inside the site. Errors are logged, which php-cli does
# to stderr; never displayed on stdout, where they would garble the output
# (WordPress also turns display off while installing).
run_php() {
  WARTA_WP_SITE="$DIR" php -d display_errors=0 -d log_errors=1 -d error_reporting='E_ALL & ~E_DEPRECATED & ~E_NOTICE' \
    -d memory_limit=512M "$DIR/eval.php"
}

# Small files and buffers and no fsync: a test database is small and thrown
# away, and a 96 MB redo log is most of the time mariadb-install-db takes.
MARIADB_TUNING="--innodb-buffer-pool-size=16M --innodb-log-file-size=4M --innodb-log-buffer-size=1M
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-flush-method=nosync
  --innodb-temp-data-file-path=ibtmp1:1M:autoextend --innodb-data-file-path=ibdata1:1M:autoextend
  --innodb-autoextend-increment=4"

start_mariadb() {
  local sock=$DIR/mysql/mysqld.sock
  # A unix socket path is limited to 107 bytes.
  [ ${#sock} -lt 100 ] || die "DIR is too long for a MariaDB socket path: $DIR"
  # mysql must reach its data directory: make DIR and its parents traversable
  # (only x for others, no reading), e.g. Go's t.TempDir() is 0700.
  local d=$DIR
  while [ "$d" != / ]; do
    runuser -u mysql -- test -x "$d" 2>/dev/null || chmod o+x "$d"
    d=$(dirname "$d")
  done
  mkdir -p "$DIR/mysql/tmp"
  chown -R mysql:mysql "$DIR/mysql"
  chmod 700 "$DIR/mysql"
  # --no-defaults: nothing from /etc/mysql (the system server's port, paths).
  # A private --tmpdir: bootstrap servers running side by side in /tmp
  # collide on their temporary tables' names.
  mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/mysql/data" --tmpdir="$DIR/mysql/tmp" \
    --auth-root-authentication-method=socket --skip-test-db $MARIADB_TUNING >"$DIR/logs/mariadb-install.log" 2>&1 ||
    fail "mariadb-install-db failed"
  # setsid: its own session, so stopping a test's process group does not
  # kill it half-way and it outlives this script.
  setsid mariadbd --no-defaults --user=mysql --datadir="$DIR/mysql/data" --tmpdir="$DIR/mysql/tmp" --socket="$sock" \
    --pid-file="$DIR/mysql/mysqld.pid" --skip-networking --skip-name-resolve \
    $MARIADB_TUNING --max-allowed-packet=256M \
    </dev/null >>"$DIR/logs/mariadb.log" 2>&1 &
  echo $! >"$DIR/mariadbd.pid"
  local i
  for ((i = 0; i < 300; i++)); do
    [ -S "$sock" ] && mariadb --no-defaults --socket="$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    alive "$(cat "$DIR/mariadbd.pid")" "$DIR/" || fail "mariadbd exited during start"
    sleep 0.1
  done
  ((i < 300)) || fail "mariadbd did not answer within 30 s"
  mariadb --no-defaults --socket="$sock" -uroot -e "
    CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER wordpress@localhost IDENTIFIED BY 'wordpress';
    GRANT ALL ON wordpress.* TO wordpress@localhost;" || fail "creating the database failed"
}

# install runs WordPress's own installer (wp_install, what install.php's
# step 2 calls) in php-cli, then adds one user per role and an application
# password for each. It prints site.json.
install_site() {
  local port=$1 pass
  pass=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  WARTA_WP_INSTALLING=1 run_php >"$DIR/site.json.tmp" 2>>"$DIR/logs/install.log" <<PHP || fail "installing WordPress failed"
\$r = wp_install('Warta test', 'admin', 'admin@example.com', false, '', wp_slash('$pass'), '');
if (is_wp_error(\$r)) { fwrite(STDERR, \$r->get_error_message()); exit(1); }
// Pretty permalinks off: the REST API is at /?rest_route=, which always works
// (/wp-json/ would need URL rewriting).
update_option('permalink_structure', '');
// A newsroom's own time zone (WIB, UTC+7), so that date and date_gmt differ
// and a client mixing them up fails its tests.
update_option('timezone_string', 'Asia/Jakarta');
function warta_app_password(\$id) {
    \$r = WP_Application_Passwords::create_new_application_password(\$id, ['name' => 'warta-test']);
    if (is_wp_error(\$r)) { fwrite(STDERR, \$r->get_error_message()); exit(1); }
    return WP_Application_Passwords::chunk_password(\$r[0]);
}
\$site = [
    'url' => 'http://127.0.0.1:$port',
    'admin' => 'admin',
    'adminPassword' => '$pass',
    'adminAppPassword' => warta_app_password(\$r['user_id']),
    'users' => new stdClass,
];
foreach (['editor', 'author', 'contributor', 'subscriber'] as \$role) {
    \$id = wp_insert_user(['user_login' => \$role, 'user_pass' => wp_generate_password(24),
        'user_email' => "\$role@example.com", 'display_name' => ucfirst(\$role), 'role' => \$role]);
    if (is_wp_error(\$id)) { fwrite(STDERR, \$id->get_error_message()); exit(1); }
    \$site['users']->\$role = ['name' => \$role, 'appPassword' => warta_app_password(\$id)];
}
echo json_encode(\$site, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
PHP
}

# start_php starts the PHP server in a session of its own (setsid), like
# mariadbd: a Ctrl-C to the test's process group does not take it down
# half-way, and stop (or the watcher) ends it. Several workers because a
# request may call the site itself (WordPress's loopback checks), which with
# one worker waits for its own timeout.
start_php() {
  local port=$1
  WARTA_WP_SITE="$DIR" PHP_CLI_SERVER_WORKERS=4 setsid php -S "127.0.0.1:$port" -t "$WP" \
    -d display_errors=0 -d log_errors=1 -d error_reporting='E_ALL & ~E_DEPRECATED & ~E_NOTICE' \
    -d upload_max_filesize=512M -d post_max_size=512M -d memory_limit=512M -d max_execution_time=300 \
    "$DIR/router.php" </dev/null >>"$DIR/logs/php.log" 2>&1 &
  echo $! >"$DIR/php.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/?rest_route=/" 2>/dev/null; then
      return 0
    fi
    alive "$(cat "$DIR/php.pid")" "$DIR/" || return 1
    sleep 0.1
  done
  fail "the PHP server did not answer on port $port within 10 s"
}

# server_pids lists the site's running servers (mariadbd, php -S and its
# workers) by their command lines, so stop finds them even without pid files
# (a start killed half-way). The patterns reach grep through a file, not its
# own command line, or grep would find itself.
server_pids() {
  grep -lszxaF -f <(printf '%s\n' "--datadir=$DIR/mysql/data" "$DIR/router.php") /proc/[0-9]*/cmdline 2>/dev/null |
    sed 's#^/proc/\([0-9]*\)/cmdline$#\1#' || true
}

stop_site() {
  local pid pids i
  # The watcher first (unless this is the watcher), so it does not stop the
  # site a second time.
  pid=$(cat "$DIR/watch.pid" 2>/dev/null || true)
  if [ "$pid" != "$$" ] && alive "$pid" "$DIR/"; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  # TERM, wait up to 10 s for a clean exit, then KILL what is left.
  pids=$(server_pids)
  [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pids=$(server_pids)
    [ -n "$pids" ] || break
    sleep 0.1
  done
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  rm -f "$DIR/php.pid" "$DIR/mariadbd.pid" "$DIR/watch.pid" "$DIR/wp-config.php"
}

# main is one function, called on the file's last line, so bash has read the
# whole script before running any of it: editing or checking out the file
# while a site runs (the watcher lives as long as the site) cannot make a
# running copy execute a half-read line.
main() {
  cmd=${1:-}
  [ $# -eq 2 ] || die "usage: $0 start|stop|php DIR"
  if [ "$cmd" = start ]; then
    mkdir -p "$2"
  elif [ ! -d "$2" ]; then
    [ "$cmd" = stop ] && exit 0 # nothing to stop
    die "$2 holds no site"
  fi
  DIR=$(cd "$2" && pwd -P)

  case $cmd in
  start)
    check_packages
    write_dispatch
    [ ! -e "$DIR/mysql" ] || die "$DIR already holds a site; stop it and use a fresh directory"
    mkdir -p "$DIR/logs"
    # WPTEST_OWNER_PID names the test process (the Go test binary, the Node
    # runner): should it die without stopping the site (a timeout, a crash,
    # even during this start), a watcher stops it, so no servers are left.
    if [ -n "${WPTEST_OWNER_PID:-}" ]; then
      kill -0 "$WPTEST_OWNER_PID" 2>/dev/null || die "WPTEST_OWNER_PID $WPTEST_OWNER_PID is not running"
      setsid bash "$0" watch "$DIR/" </dev/null >>"$DIR/logs/watch.log" 2>&1 &
      echo $! >"$DIR/watch.pid"
    fi
    start_mariadb
    # The port is in the site's config and URLs, so a port lost to another
    # process between choosing and binding means writing the config again.
    ok=
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      write_configs "$port"
      if [ "$attempt" = 1 ]; then
        install_site "$port"
      else
        # Installed under the port tried before; WP_HOME in the new config
        # overrides the stored URL, so only site.json changes.
        sed -i "s#http://127.0.0.1:[0-9]*\"#http://127.0.0.1:$port\"#" "$DIR/site.json.tmp"
      fi
      if start_php "$port"; then
        ok=1
        break
      fi
    done
    [ -n "$ok" ] || fail "the PHP server would not start"
    mv "$DIR/site.json.tmp" "$DIR/site.json"
    echo "http://127.0.0.1:$port"
    ;;
  watch)
    # stop ends this loop by killing the watcher.
    while kill -0 "$WPTEST_OWNER_PID" 2>/dev/null; do
      sleep 1
    done
    echo "wptest: process $WPTEST_OWNER_PID is gone: stopping the site"
    stop_site
    ;;
  stop)
    stop_site
    ;;
  php)
    [ -f "$DIR/eval.php" ] || die "$DIR holds no site"
    run_php
    ;;
  *)
    die "usage: $0 start|stop|php DIR"
    ;;
  esac
}

main "$@"
exit
