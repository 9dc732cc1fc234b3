#!/usr/bin/env bash
# setup.sh prepares a Debian/Ubuntu machine to build, run and test Warta.
# It is idempotent: each step checks whether it is already done and skips it.
# `make run` and `make test` call it; it needs nothing but this repository.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages: the GTK/WebKit toolchain Wails links against, Xvfb and
# ImageMagick for headless windows and screenshots, Chromium for the browser
# tests, NSIS for the Windows installer, exiftool to check the captions we
# write, libjpeg-turbo and libvips for photo renditions (and the benchmark's
# reference), PostgreSQL for the sync server's second store (its tests start
# a private cluster of their own; the system one is not used).
APT_PACKAGES=(
  build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.0-dev
  xvfb xauth x11-utils xclip dbus-x11 imagemagick fonts-noto-core chromium nsis
  desktop-file-utils appstream libimage-exiftool-perl
  libturbojpeg0-dev libvips-tools postgresql
  # WordPress for the publishing tests (scripts/wptest.sh runs private sites).
  wordpress mariadb-server php-cli php-mysql php-gd php-xml php-mbstring php-curl
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "Installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "Go is not installed (need Go 1.26+: https://go.dev/doc/install)" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js and npm are not installed (need Node 20+)" >&2; exit 1; }

# The Wails CLI, built from its own module (tools/wails) so its pinned
# dependencies do not leak into the app's go.mod.
WAILS=.tools/bin/wails
if [ ! -x "$WAILS" ] || [ tools/wails/go.sum -nt "$WAILS" ]; then
  say "Building the Wails CLI (once)"
  (cd tools/wails && GOFLAGS=-mod=mod go build -o ../../"$WAILS" github.com/wailsapp/wails/v2/cmd/wails)
fi

# Frontend packages, reinstalled only when the lock file changed.
if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  say "Installing frontend packages"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi

# The frontend's typed bindings to Go, regenerated when the bridge changes.
bindings=frontend/src/lib/wailsjs/go/bridge/App.js
if [ ! -f "$bindings" ] || [ -n "$(find app main.go -name '*.go' -newer "$bindings" -print -quit)" ]; then
  say "Generating Go bindings for the frontend"
  "$WAILS" generate module >/dev/null
  touch "$bindings"
fi
