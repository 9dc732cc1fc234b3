// Test harness for the browser end-to-end tests: the real Warta Go process
// (built with -tags dev) runs under its own Xvfb and serves the built
// frontend at 127.0.0.1:PORT; Debian's Chromium, driven by playwright-core,
// opens that page and gets window.go bindings over a WebSocket to the real
// backend. Nothing is mocked.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

export const repo = resolve(import.meta.dirname, '../..')
export const devBinary = process.env.WARTA_DEV_BINARY ?? join(repo, 'build/bin/warta-dev')
const assetDir = join(repo, 'frontend/dist')

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

/** startXvfb starts a private X server and returns its display and a stop function. */
export async function startXvfb() {
  const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  })
  const display = await new Promise((ok, fail) => {
    let buf = ''
    x.stdio[3].on('data', (d) => {
      buf += d
      if (buf.includes('\n')) ok(':' + buf.trim())
    })
    x.on('exit', (code) => fail(new Error(`Xvfb exited ${code}`)))
    setTimeout(() => fail(new Error('Xvfb did not start')), 15000)
  })
  return {
    display,
    stop: () => {
      x.kill('SIGTERM')
    },
  }
}

export function tempDataDir() {
  return mkdtempSync(join(tmpdir(), 'warta-e2e-'))
}

export function removeDir(d) {
  rmSync(d, { recursive: true, force: true })
}

/** appEnv is the environment a Warta process runs with in these tests. */
export function appEnv(display, dataDir, lang = 'id_ID.UTF-8') {
  return {
    ...process.env,
    DISPLAY: display,
    WARTA_DATA_DIR: dataDir,
    LANG: lang,
    LANGUAGE: '',
    LC_ALL: '',
    LC_MESSAGES: '',
    NO_AT_BRIDGE: '1', // no accessibility bus helpers left behind
  }
}

/**
 * startApp runs the dev build of Warta and waits until it serves the page.
 * It returns the URL, the process, its captured stderr, and stop(), which
 * sends SIGTERM and resolves to the exit code.
 */
export async function startApp({ display, dataDir, lang }) {
  const port = await freePort()
  const proc = spawn(devBinary, ['-devserver', `127.0.0.1:${port}`, '-assetdir', assetDir], {
    env: appEnv(display, dataDir, lang),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout.on('data', (d) => (output += d))
  proc.stderr.on('data', (d) => (output += d))
  const exited = new Promise((ok) => proc.on('exit', (code, signal) => ok(code ?? signal)))
  const url = `http://127.0.0.1:${port}/`
  const deadline = Date.now() + 30000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`warta exited ${proc.exitCode}:\n${output}`)
    try {
      const r = await fetch(url)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`warta did not serve ${url}:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    proc,
    output: () => output,
    exited,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000)
      const code = await exited
      clearTimeout(t)
      return code
    },
  }
}

/** launchBrowser starts Debian's Chromium headless with a fresh profile. */
export async function launchBrowser() {
  // Playwright gives every launch a fresh, temporary profile (user data dir).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    browser,
    close: async () => {
      await browser.close()
    },
  }
}

/** openShell opens the app's page and waits until Go has answered Info(). */
export async function openShell(browser, url, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 }, ...contextOptions })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e))
  await page.goto(url)
  await page.waitForFunction(() => window.go?.bridge?.App)
  await page.locator('[data-testid="data-dir"]').waitFor()
  return { page, context, errors }
}

/**
 * useDesktop registers before/after hooks for a test file: one private Xvfb
 * and one Chromium for the whole file, and a list of clean-ups (stopping apps,
 * removing data folders) run in reverse order at the end. Its fields are
 * filled in once the before hook has run.
 */
export function useDesktop({ before, after }) {
  const env = { x: undefined, chrome: undefined, cleanups: [] }
  before(async () => {
    env.x = await startXvfb()
    env.chrome = await launchBrowser()
  })
  after(async () => {
    for (const f of env.cleanups.reverse()) await f()
    await env.chrome?.close()
    env.x?.stop()
  })
  return env
}
