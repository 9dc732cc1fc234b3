// The app shell end to end: real Go backend, real frontend, real Chromium.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { appEnv, devBinary, openShell, removeDir, startApp, tempDataDir, useDesktop } from './harness.mjs'

const desk = useDesktop({ before, after })
const cleanups = desk.cleanups

/** app starts Warta on a fresh (or given) data folder, stopped after the file. */
async function app(opts = {}) {
  const dataDir = opts.dataDir ?? tempDataDir()
  const a = await startApp({ display: desk.x.display, dataDir, lang: opts.lang })
  cleanups.push(async () => {
    await a.stop()
    if (!opts.dataDir) removeDir(dataDir)
  })
  return { ...a, dataDir }
}

const sidebarLabels = (page) => page.locator('nav [data-section] span').allTextContents()

describe('shell', () => {
  test('opens in Indonesian on an Indonesian system, status bar shows data folder and network', async () => {
    const a = await app({ lang: 'id_ID.UTF-8' })
    const { page, errors } = await openShell(desk.chrome.browser, a.url)
    assert.deepEqual(await sidebarLabels(page), ['Artikel', 'Foto', 'Unggah', 'Pengaturan'])
    assert.equal(await page.locator('main h1').textContent(), 'Artikel')
    assert.equal(await page.locator('html').getAttribute('lang'), 'id')
    assert.match(await page.getByTestId('data-dir').textContent(), new RegExp(`Data lokal: ${a.dataDir}`))

    // The light agrees with what the Go side measured.
    const info = await page.evaluate(() => window.go.bridge.App.Info())
    const net = page.getByTestId('net-status')
    assert.equal(await net.getAttribute('data-online'), String(info.net.online))
    assert.equal((await net.textContent()).trim(), info.net.online ? 'Daring' : 'Luring')
    assert.deepEqual(errors, [])
  })

  test('opens in English on an English system', async () => {
    const a = await app({ lang: 'en_GB.UTF-8' })
    const { page } = await openShell(desk.chrome.browser, a.url)
    assert.deepEqual(await sidebarLabels(page), ['Articles', 'Photos', 'Upload', 'Settings'])
    assert.match(await page.getByTestId('net-status').textContent(), /Online|Offline/)
  })

  test('sidebar and Ctrl+digit switch screens', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await page.click('[data-section=photos]')
    assert.equal(await page.locator('main h1').textContent(), 'Foto')
    assert.equal(await page.locator('[data-section=photos]').getAttribute('aria-current'), 'page')
    await page.keyboard.press('Control+3')
    assert.equal(await page.locator('main h1').textContent(), 'Unggah')
    await page.keyboard.press('Control+4')
    assert.equal(await page.locator('main h1').textContent(), 'Pengaturan')
    assert.equal(await page.getByTestId('settings-data-dir').textContent(), a.dataDir)
    await page.keyboard.press('Control+1')
    assert.equal(await page.locator('main h1').textContent(), 'Artikel')
  })

  test('the chosen language is remembered across restarts, and "follow system" returns', async () => {
    const dataDir = tempDataDir()
    cleanups.push(() => removeDir(dataDir))
    let a = await startApp({ display: desk.x.display, dataDir, lang: 'id_ID.UTF-8' })
    let { page } = await openShell(desk.chrome.browser, a.url)
    await page.keyboard.press('Control+4')
    await page.getByLabel('English').check()
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Settings')
    assert.deepEqual(await sidebarLabels(page), ['Articles', 'Photos', 'Upload', 'Settings'])
    assert.equal(await a.stop(), 0, 'clean exit on SIGTERM')

    a = await startApp({ display: desk.x.display, dataDir, lang: 'id_ID.UTF-8' })
    cleanups.push(() => a.stop())
    ;({ page } = await openShell(desk.chrome.browser, a.url))
    assert.deepEqual(await sidebarLabels(page), ['Articles', 'Photos', 'Upload', 'Settings'])
    await page.keyboard.press('Control+4')
    await page.getByLabel('Follow system (Bahasa Indonesia)').check()
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Pengaturan')
  })

  test('themes: system follows the OS, dark is applied and remembered', async () => {
    const dataDir = tempDataDir()
    cleanups.push(() => removeDir(dataDir))
    const bg = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    const light = 'rgb(247, 247, 245)'
    const dark = 'rgb(27, 27, 29)'

    let a = await startApp({ display: desk.x.display, dataDir })
    let { page } = await openShell(desk.chrome.browser, a.url, { colorScheme: 'light' })
    assert.equal(await bg(page), light)
    const darkOS = await openShell(desk.chrome.browser, a.url, { colorScheme: 'dark' })
    assert.equal(await bg(darkOS.page), dark, 'system theme follows a dark OS')

    await page.keyboard.press('Control+4')
    await page.click('[data-theme-choice=dark]')
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    assert.equal(await bg(page), dark)
    assert.equal(await a.stop(), 0)

    a = await startApp({ display: desk.x.display, dataDir })
    cleanups.push(() => a.stop())
    ;({ page } = await openShell(desk.chrome.browser, a.url, { colorScheme: 'light' }))
    assert.equal(await bg(page), dark, 'dark remembered on a light OS')
  })

  test('an error inside a bound Go method reaches the UI as a readable message', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    // The page calls Go with a value Go refuses and does not catch it itself.
    await page.evaluate(() => {
      window.go.bridge.App.SetLanguage('fr')
    })
    const alert = page.getByRole('alert')
    await alert.waitFor()
    const text = await alert.textContent()
    assert.match(text, /Terjadi kesalahan/)
    assert.match(text, /language "fr": invalid setting \(choose one of \[id en\]\)/)
    // The window is alive and still talks to Go.
    await page.click('[data-section=settings]')
    assert.equal(await page.locator('main h1').textContent(), 'Pengaturan')
    await page.getByRole('button', { name: 'Tutup' }).click()
    assert.equal(await page.getByRole('alert').count(), 0)
    assert.match(readFileSync(join(a.dataDir, 'logs/warta.log'), 'utf8'), /"msg":"bound method failed","method":"SetLanguage"/)
  })

  test('a corrupt library shows a clear message and is left untouched', async () => {
    const dataDir = tempDataDir()
    cleanups.push(() => removeDir(dataDir))
    mkdirSync(join(dataDir, 'db'))
    const garbage = Buffer.from('this is not a badger manifest\n')
    writeFileSync(join(dataDir, 'db/MANIFEST'), garbage)
    const a = await app({ dataDir })
    const { page } = await openShell(desk.chrome.browser, a.url)
    await page.getByTestId('startup-error').waitFor()
    assert.match(await page.locator('main h1').textContent(), /Pustaka lokal tidak dapat dibuka/)
    assert.match(await page.getByTestId('startup-error').textContent(), /open store .*db/)
    assert.deepEqual(readFileSync(join(dataDir, 'db/MANIFEST')), garbage, 'damaged data not modified')
  })

  test('a second launch on the same data brings the first forward and exits', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    const second = spawn(devBinary, [], { env: appEnv(desk.x.display, a.dataDir), stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    second.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise((ok) => second.on('exit', ok))
    assert.equal(code, 3, stderr)
    assert.match(stderr, /Warta is already running; its window was brought to the front/)
    await page.getByText('Warta sudah berjalan; jendela ini dibawa ke depan.').waitFor()
    // The first instance still works and still owns its data.
    await page.click('[data-section=settings]')
    await page.getByLabel('English').check()
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Settings')
  })
})
