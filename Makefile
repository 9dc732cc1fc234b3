# Warta — the two commands a newcomer needs are `make run` and `make test`.
# Both set the machine up first (scripts/setup.sh), skipping what is done.

SHELL := /bin/bash
.DEFAULT_GOAL := run

VERSION ?= 0.1.0
WAILS   := .tools/bin/wails
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS := -X github.com/warta-news/warta/app/buildinfo.Version=$(VERSION) -X github.com/warta-news/warta/app/buildinfo.commit=$(COMMIT)
BIN     := build/bin

.PHONY: setup frontend build build-dev build-windows run dev server test test-go test-frontend \
        test-e2e test-desktop test-windows test-packaging bench screenshot clean

setup:
	@bash scripts/setup.sh

frontend: setup
	cd frontend && npm run build --silent

## build: the Linux desktop binary, build/bin/warta
build: frontend
	$(WAILS) build -s -trimpath -ldflags "$(LDFLAGS)"

## build-dev: a dev-tagged binary the browser tests drive (serves the UI on -devserver)
build-dev: frontend
	go build -tags dev -o $(BIN)/warta-dev .

## build-windows: build/bin/warta.exe, plus an NSIS installer when makensis exists
build-windows: frontend
	$(WAILS) build -s -trimpath -platform windows/amd64 -ldflags "$(LDFLAGS)" \
	  $$(command -v makensis >/dev/null && echo -nsis)

## run: build and open the Warta window (under Xvfb when there is no display)
run: build
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  ./$(BIN)/warta; \
	else \
	  echo "No DISPLAY: running Warta under Xvfb (a virtual screen). Stop it with Ctrl+C."; \
	  xvfb-run -a -s "-screen 0 1280x800x24" ./$(BIN)/warta; \
	fi

## dev: live reload for developers (needs a display)
dev: setup
	$(WAILS) dev

## test: every test — Go (vet, race), frontend unit, browser e2e, desktop smoke, Windows build
test: setup test-go test-frontend test-e2e test-desktop test-windows test-packaging
	@echo "All Warta tests passed."

test-go: setup
	go vet ./...
	go vet -tags desktop ./test/desktop
	go test -race -count=1 ./...
	CGO_ENABLED=0 go build -o /dev/null ./cmd/warta-server ./server/...

test-frontend: setup
	cd frontend && npm run check --silent && npm test --silent

test-e2e: build-dev
	cd frontend && npm run e2e --silent

test-desktop: build
	go test -tags desktop -count=1 -v ./test/desktop

test-windows: build-windows
	@head -c 2 $(BIN)/warta.exe | grep -q MZ && echo "Windows build: $(BIN)/warta.exe ($$(du -h $(BIN)/warta.exe | cut -f1))"

test-packaging: setup
	desktop-file-validate build/linux/warta.desktop
	appstreamcli validate --no-net --pedantic build/linux/io.github.warta_news.Warta.metainfo.xml

## bench: Go benchmarks
bench: setup
	@mkdir -p $(BIN)
	go test -run '^$$' -bench . -benchmem -count 5 ./app/... ./server/... | tee $(BIN)/bench.txt

## server: the Warta sync server with an embedded database in .server-data/
server:
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/warta-server ./cmd/warta-server
	./$(BIN)/warta-server --data .server-data

## screenshot: refresh docs/screenshot.png from the real app under Xvfb
screenshot: build
	WARTA_SCREENSHOT_DIR=$(CURDIR)/docs go test -tags desktop -count=1 -run 'TestPaintsAndQuitsCleanly/terminated|TestPhotosScreen' ./test/desktop

clean:
	rm -rf $(BIN) frontend/dist/assets frontend/dist/index.html
