// Offline drafting end to end: real Go backend (Badger on disk), real
// frontend, real Chromium; the clipboard is read back from the X server.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openShell, removeDir, startApp, tempDataDir, useDesktop } from './harness.mjs'

const fixtures = join(import.meta.dirname, 'fixtures')
const desk = useDesktop({ before, after })
const cleanups = desk.cleanups

async function app(dataDir = tempDataDir(), keep = false) {
  const a = await startApp({ display: desk.x.display, dataDir })
  cleanups.push(async () => {
    await a.stop()
    if (!keep) removeDir(dataDir)
  })
  return { ...a, dataDir }
}

/** The fixture article: headline, paragraphs, photo captions, reporters. */
function fixtureArticle() {
  const lines = readFileSync(join(fixtures, 'humas-kemensos-rakornas-2019.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const headline = lines[0]
  const end = lines.findIndex((l) => l.startsWith('Pewarta'))
  const reporters = lines[end].replace(/^Pewarta\s*:\s*/, '').split('/')
  const body = lines.slice(1, end)
  return { headline, body, reporters }
}

const savedRE = /^Tersimpan \d{2}\.\d{2}$/

async function waitSaved(page) {
  await page.waitForFunction(
    (re) => new RegExp(re).test(document.querySelector('[data-testid=save-state]')?.textContent ?? ''),
    savedRE.source,
    { timeout: 10000 },
  )
}

async function newArticle(page) {
  await page.keyboard.press('Control+n')
  await page.getByTestId('headline').waitFor()
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'headline')
}

/** typeBody types paragraphs into the editor; a line with "(Foto" becomes a figure caption. */
async function typeBody(page, paragraphs) {
  await page.getByTestId('article-body').click()
  for (const p of paragraphs) {
    if (/\(Foto\s*:/.test(p)) {
      await page.getByTitle('Sisipkan foto dengan keterangan').click()
      await page.keyboard.insertText(p)
      await page.keyboard.press('ArrowDown') // leave the caption for the paragraph after it
      await page.keyboard.press('End')
      continue
    }
    await page.keyboard.insertText(p)
    await page.keyboard.press('Enter')
  }
}

describe('articles', () => {
  test('a reporter writes the fixture article, it autosaves, survives a restart and is found by search', async () => {
    const dataDir = tempDataDir()
    cleanups.push(() => removeDir(dataDir))
    let a = await startApp({ display: desk.x.display, dataDir })
    let { page } = await openShell(desk.chrome.browser, a.url)
    const art = fixtureArticle()

    await newArticle(page)
    await page.keyboard.insertText(art.headline)
    await page.getByTestId('place').fill('Jakarta')
    await page.getByTestId('agency').fill('Humas')
    await page.getByTestId('event-date').fill('2019-08-21')
    assert.equal(await page.getByTestId('event-day').textContent(), 'Rabu, 21 Agustus 2019')
    await typeBody(page, art.body.slice(0, 4))
    await page.locator('#reporters').click()
    for (const r of art.reporters) {
      await page.keyboard.insertText(r)
      await page.keyboard.press('Enter')
    }
    // Autosave ≤ 1 s after typing stops, with the time shown the Indonesian way.
    const typedAt = Date.now()
    await waitSaved(page)
    const savedAfter = Date.now() - typedAt
    assert.ok(savedAfter < 5000, `saved ${savedAfter} ms after typing stopped`)
    const list = page.locator('[data-article-id]')
    assert.equal(await list.count(), 1)
    assert.match(await list.first().textContent(), /Humas Diingatkan Tidak Gaptek/)

    // SIGKILL the backend: what the UI showed as saved must be there.
    a.proc.kill('SIGKILL')
    await a.exited
    a = await startApp({ display: desk.x.display, dataDir })
    cleanups.push(() => a.stop())
    ;({ page } = await openShell(desk.chrome.browser, a.url))
    // The article that was open reopens by itself.
    await page.waitForFunction((h) => document.querySelector('[data-testid=headline]')?.value === h, art.headline)
    await page.keyboard.press('Control+f')
    await page.keyboard.insertText('GAPT') // a prefix, in the wrong case
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 1)
    await page.locator('[data-article-id]').first().click()
    await page.getByTestId('article-body').waitFor()
    const text = await page.getByTestId('article-body').textContent()
    assert.ok(text.includes('Tidak boleh ada lagi petugas humas yang gaptek'), text)
    assert.ok(text.includes('(Foto: Masran Rauf)'), 'the caption survived')
    assert.equal(await page.getByTestId('place').inputValue(), 'Jakarta')
    assert.deepEqual(await page.locator('.chip span.selectable').allTextContents(), art.reporters)

    // A word that is not in it finds nothing; an accent-insensitive search finds it.
    await page.getByTestId('article-search').fill('kemensos zzzz')
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 0)
    await page.getByTestId('article-search').fill('sósial')
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 1)
  })

  test('revisions: mark, compare with current, restore', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await newArticle(page)
    await page.keyboard.insertText('Uji revisi')
    await typeBody(page, ['Versi pertama dari berita ini.'])
    await waitSaved(page)
    await page.keyboard.press('Control+s')
    await page.getByText('Revisi ditandai.').waitFor()
    await page.keyboard.press('Control+a')
    await page.keyboard.insertText('Versi kedua yang sudah diubah.')
    await waitSaved(page)

    await page.getByTestId('open-history').click()
    await page.getByTestId('revision').first().waitFor()
    const n = await page.getByTestId('revision').count()
    assert.ok(n >= 2, `${n} revisions`)
    const marked = page.getByTestId('revision').filter({ hasText: 'ditandai' }).first()
    await marked.click()
    await page.getByTestId('revision-preview').waitFor()
    assert.match(await page.getByTestId('revision-preview').textContent(), /Versi pertama dari berita ini\./)
    await page.getByTestId('compare').click()
    assert.match(await page.locator('[data-testid=revision-diff] del').allTextContents().then((t) => t.join(' ')), /pertama/)
    assert.match(await page.locator('[data-testid=revision-diff] ins').allTextContents().then((t) => t.join(' ')), /kedua/)
    await page.getByTestId('restore-revision').click()
    await page.getByText('Revisi dipulihkan.').waitFor()
    assert.equal((await page.getByTestId('article-body').textContent()).trim(), 'Versi pertama dari berita ini.')
    await page.getByTestId('revision').first().waitFor()
    assert.ok((await page.getByTestId('revision').count()) > n, 'the restore is itself a revision')
    await page.getByTestId('open-preview').click()
    await page.getByTestId('preview').getByText('Versi pertama dari berita ini.').waitFor()
    await page.waitForTimeout(500)
    assert.equal(await page.getByTestId('notice-error').count(), 0, 'no error shown while panels open and close')
  })

  test('export: copy as WhatsApp text, read back from the clipboard', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await newArticle(page)
    await page.keyboard.insertText('Rakornas Kehumasan Dibuka')
    await page.getByTestId('place').fill('Jakarta')
    await page.getByTestId('agency').fill('Humas')
    await typeBody(page, ['Humas pemerintah dituntut memanfaatkan teknologi.', '“Tidak boleh ada lagi petugas humas yang gaptek,” kata Menteri.'])
    await page.locator('#reporters').click()
    await page.keyboard.insertText('Asriani')
    await page.keyboard.press('Enter')
    await page.keyboard.insertText('Nova')
    await page.keyboard.press('Enter')
    await waitSaved(page)
    await page.getByTestId('open-export').click()
    await page.getByTestId('copy-whatsapp').click()
    await page.getByText('Teks WhatsApp disalin ke papan klip.').waitFor()
    const clip = execFileSync('xclip', ['-selection', 'clipboard', '-o'], { env: { ...process.env, DISPLAY: desk.x.display } }).toString()
    assert.equal(
      clip,
      [
        '*Rakornas Kehumasan Dibuka*',
        '',
        'Jakarta, Humas – Humas pemerintah dituntut memanfaatkan teknologi.',
        '',
        '“Tidak boleh ada lagi petugas humas yang gaptek,” kata Menteri.',
        '',
        'Pewarta: Asriani/Nova',
      ].join('\n'),
    )
  })

  for (const [file, keep, gone] of [
    ['word.html', { strong: 'Jakarta, Humas', em: 'kecanggihan teknologi', link: 'https://kemensos.go.id/' }, ['MsoNormal', 'mso-', 'file:///']],
    ['google-docs.html', { strong: 'Rapat koordinasi', em: 'Peserta rapat', li: 'sekretaris dinas sosial provinsi' }, ['googleusercontent', 'docs-internal-guid']],
    ['whatsapp-web.html', { strong: 'Kehadiran seluruh karo humas', em: 'dalam rangka', link: 'https://kemensos.go.id/rakornas' }, ['whatsapp.net', 'copyable-text']],
    ['web-page.html', { link: 'https://kemensos.go.id/', figcaption: '(Foto: Masran Rauf)', blockquote: 'pencitraan kementerian' }, ['javascript:', 'onerror', 'onclick', 'onmouseover', '<script', '<iframe', 'tracker.example.com', 'kemensos.go.id/uploads', 'evil.example.com']],
  ]) {
    test(`paste from ${file} keeps what the schema allows and drops the rest`, async () => {
      const a = await app()
      const { page } = await openShell(desk.chrome.browser, a.url)
      await newArticle(page)
      await page.keyboard.insertText(`Tempel ${file}`)
      await page.getByTestId('article-body').click()
      const html = readFileSync(join(fixtures, 'clipboard', file), 'utf8')
      await page.evaluate((h) => {
        const dt = new DataTransfer()
        dt.setData('text/html', h)
        dt.setData('text/plain', h.replace(/<[^>]+>/g, ''))
        document.querySelector('[data-testid=article-body]').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }))
      }, html)
      await waitSaved(page)
      const body = page.getByTestId('article-body')
      const dom = await body.innerHTML()
      for (const [tag, text] of Object.entries(keep)) {
        if (tag === 'link') assert.ok(await body.locator(`a[href="${text}"]`).count(), `link ${text} kept:\n${dom}`)
        else assert.match(await body.locator(tag).allTextContents().then((t) => t.join('|')), new RegExp(text.replace(/[()]/g, '\\$&')), `${tag} kept`)
      }
      for (const g of gone) assert.ok(!dom.includes(g), `${g} reached the DOM:\n${dom}`)
      // (ProseMirror draws img.ProseMirror-separator itself after a line break; it is not content.)
      assert.equal(await body.locator('img:not(.ProseMirror-separator), iframe, script, object, form, svg, style, table').count(), 0, dom)
      assert.equal(await body.locator('p:not(:last-child):empty, p:not(:last-child):has(> br:only-child)').count(), 0, `empty paragraphs from layout <br>s:\n${dom}`)
      assert.equal(await page.evaluate(() => window.pwned ?? window.stolen ?? null), null, 'hostile code ran')

      // What Go stored and what it renders are clean too.
      const id = await page.locator('[data-article-id]').first().getAttribute('data-article-id')
      const stored = await page.evaluate((i) => window.go.bridge.Articles.Get(i), id)
      const json = JSON.stringify(stored.body)
      for (const g of gone) assert.ok(!json.includes(g), `${g} reached the store`)
      const rendered = await page.evaluate((s) => window.go.bridge.Articles.Preview(s), stored)
      for (const g of gone) assert.ok(!rendered.includes(g), `${g} in the published HTML`)
    })
  }

  test('a save Go refuses shows a clear error, keeps the text, and recovers', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await newArticle(page)
    await page.keyboard.insertText('Artikel yang ditolak')
    await waitSaved(page)
    await page.getByTestId('article-body').click()
    // "> " at the start of a line makes a block quote; 70 of them nest 70 deep,
    // which Go refuses (bodies may nest at most 64 deep).
    for (let i = 0; i < 70; i++) await page.keyboard.type('> ')
    await page.keyboard.insertText('kutipan di dalam kutipan')
    const state = page.getByTestId('save-state')
    await page.waitForFunction(() => /^Gagal menyimpan: /.test(document.querySelector('[data-testid=save-state]')?.textContent ?? ''))
    assert.match(await state.textContent(), /nested more than 64 deep/)
    assert.match(await page.getByTestId('article-body').textContent(), /kutipan di dalam kutipan/, 'the text stays in the editor')
    // It keeps retrying and keeps failing visibly, never silently.
    await page.waitForTimeout(3500)
    assert.match(await state.textContent(), /^Gagal menyimpan: /)
    // The reporter removes it; the next save goes through.
    await page.getByTestId('article-body').click()
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Backspace')
    for (let i = 0; i < 70; i++) await page.keyboard.press('Backspace') // lift the empty line out of the quotes
    await page.keyboard.insertText('Cukup satu paragraf.')
    await waitSaved(page)
    const id = await page.locator('[data-article-id]').first().getAttribute('data-article-id')
    const stored = await page.evaluate((i) => window.go.bridge.Articles.Get(i), id)
    assert.match(JSON.stringify(stored.body), /Cukup satu paragraf\./)
  })

  test('a save against a copy that moved on keeps both texts', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await newArticle(page)
    await page.keyboard.insertText('Judul bersama')
    await typeBody(page, ['Teks di jendela ini.'])
    await waitSaved(page)
    const id = await page.locator('[data-article-id]').first().getAttribute('data-article-id')
    // Another window saves a different text first.
    await page.evaluate(async (i) => {
      const other = await window.go.bridge.Articles.Get(i)
      other.body = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Teks dari jendela lain.' }] }] }
      await window.go.bridge.Articles.Save(other, false)
    }, id)
    await page.getByTestId('article-body').click()
    await page.keyboard.press('End')
    await page.keyboard.insertText(' Tambahan.')
    await page.getByText('Artikel ini diubah di tempat lain.', { exact: false }).waitFor()
    await waitSaved(page)
    const stored = await page.evaluate((i) => window.go.bridge.Articles.Get(i), id)
    assert.match(JSON.stringify(stored.body), /Teks di jendela ini\./)
    assert.match(JSON.stringify(stored.body), /Tambahan\./)
    // The other window's text is in the history, not lost.
    const revs = await page.evaluate((i) => window.go.bridge.Articles.Revisions(i), id)
    const texts = await Promise.all(revs.map((r) => page.evaluate(([i, s]) => window.go.bridge.Articles.Revision(i, s), [id, r.seq])))
    assert.ok(texts.some((t) => JSON.stringify(t.body).includes('Teks dari jendela lain.')), 'other text kept as a revision')
  })

  test('the list filters by status and category', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    for (const [headline, category, status] of [
      ['Rakornas kehumasan dibuka', 'Kehumasan', 'draft'],
      ['Bansos tahap dua disalurkan', 'Bansos', 'ready'],
    ]) {
      await newArticle(page)
      await page.keyboard.insertText(headline)
      await page.locator('#category').fill(category)
      await page.getByTestId('article-status').selectOption(status)
      await waitSaved(page)
    }
    await page.getByTestId('article-search').click() // the list reloads (and learns the categories) on filter changes
    await page.getByTestId('status-filter').selectOption('ready')
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 1)
    assert.match(await page.locator('[data-article-id]').textContent(), /Bansos tahap dua/)
    await page.getByTestId('status-filter').selectOption('')
    await page.getByTestId('category-filter').selectOption('Kehumasan')
    await page.waitForFunction(() => {
      const items = document.querySelectorAll('[data-article-id]')
      return items.length === 1 && /Rakornas kehumasan/.test(items[0].textContent)
    })
  })

  test('trash: delete, find it in the trash, restore, delete again and empty', async () => {
    const a = await app()
    const { page } = await openShell(desk.chrome.browser, a.url)
    await newArticle(page)
    await page.keyboard.insertText('Artikel untuk dibuang')
    await waitSaved(page)
    await page.getByTestId('delete-article').click()
    await page.getByText('Artikel dipindahkan ke tempat sampah.').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 0)
    await page.getByTestId('toggle-trash').click()
    await page.getByText('Artikel untuk dibuang').waitFor()
    await page.getByRole('button', { name: 'Pulihkan' }).click()
    await page.getByText('Artikel dipulihkan.').waitFor()
    await page.getByTestId('toggle-trash').click()
    await page.locator('[data-article-id]').first().click()
    await page.getByTestId('delete-article').click()
    await page.getByTestId('toggle-trash').click()
    page.once('dialog', (d) => d.accept())
    await page.getByRole('button', { name: 'Kosongkan tempat sampah' }).click()
    await page.getByText('1 artikel dihapus permanen.').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-article-id]').length === 0)
    await page.getByText('Tempat sampah kosong.').waitFor()
  })
})
