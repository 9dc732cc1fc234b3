// The Photos feature end to end: real Go backend (photo library on disk),
// real frontend, real Chromium. Native dialogs cannot be driven from the
// browser, so imports and exports call the same bridge methods a drop on
// the window and the dialogs end in; everything else goes through the UI.
// The tests share one app and build on each other: import → caption with a
// template and a code → house style → insert into an article → export.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openShell, removeDir, startApp, tempDataDir, useDesktop } from './harness.mjs'

const fixtures = join(import.meta.dirname, 'fixtures', 'photos')
const desk = useDesktop({ before, after })
const cleanups = desk.cleanups

const IPHONE = 'iphone-4s-orientation6-gps.jpg'
const ORIENT = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `f${n}-exif.jpg`)
const GOOD = ['IPTC-PhotometadataRef-Std2021.1.jpg', IPHONE, 'metadata-extractor-simple.jpg', 'nikon-d2h-gps-xmp.jpg', ...ORIENT]
const MENSOS = 'Menteri Sosial Agus Gumiwang Kartasasmita'
const CAPTION = `${MENSOS} menyerahkan bantuan`
const CREATOR = 'Rivan Awal Lingga'
const CITY = 'Jakarta Selatan'
// 1 September 2014 was a Monday (Senin); DateTimeOriginal has no offset, so
// its wall clock is the date; without "dengan jam" no time and no zone.
const HOUSE = `${CAPTION}, ${CITY}, Senin (1/9/2014). (Foto: ${CREATOR})`
const FIGURE_TAIL = ' Lokasi: Gedung Cawang Kencana — Jakarta.'

/** The card: the fixture folder plus the bad files made here. */
function makeCard() {
  const card = tempDataDir()
  cpSync(fixtures, card, { recursive: true })
  const simple = readFileSync(join(fixtures, 'metadata-extractor-simple.jpg'))
  writeFileSync(join(card, 'empty.jpg'), Buffer.alloc(0))
  writeFileSync(join(card, 'notes.jpg'), 'Catatan liputan, bukan foto.\n')
  writeFileSync(join(card, 'truncated.jpg'), simple.subarray(0, Math.floor((simple.length * 2) / 3)))
  writeFileSync(join(card, 'bomb.jpg'), bomb(simple))
  const heic = Buffer.alloc(4096)
  Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1').copy(heic)
  writeFileSync(join(card, 'IMG_0001.jpg'), heic)
  return card
}

/** bomb claims 60000×60000 pixels in the main image's SOF0 (3.6 gigapixels). */
function bomb(jpeg) {
  const b = Buffer.from(jpeg)
  let p = 2
  while (p < b.length) {
    assert.equal(b[p], 0xff, `marker at ${p}`)
    const m = b[p + 1]
    const len = b.readUInt16BE(p + 2)
    if (m >= 0xc0 && m <= 0xc2) {
      b.writeUInt16BE(60000, p + 5) // height
      b.writeUInt16BE(60000, p + 7) // width
      return b
    }
    p += 2 + len
  }
  throw new Error('no SOF')
}

const EXPECT_PROBLEMS = {
  'empty.jpg': 'empty',
  'notes.jpg': 'unsupported',
  'truncated.jpg': 'corrupt',
  'bomb.jpg': 'tooLarge',
  'IMG_0001.jpg': 'heic',
  'huge_tag_exif.jpg': 'corrupt',
  'max_uint32_exif.jpg': 'corrupt',
}

const ctx = {} // page, errors, dataDir, card, ids by name, the three captioned

/**
 * importCard imports a folder the way a drop does and returns the summary
 * line, or null when the UI never showed one (see stuckImport).
 */
async function importCard(page, card) {
  // Dismiss an earlier summary so the one waited for is this import's.
  const dismiss = page.getByTestId('import-summary').getByRole('button', { name: 'Tutup' })
  if (await dismiss.count()) await dismiss.click()
  await page.getByTestId('import-summary').waitFor({ state: 'detached' })
  const finished = (ctx.app.output().match(/photo import finished/g) ?? []).length
  await page.evaluate((p) => window.go.bridge.Photos.Import([p]), card)
  const deadline = Date.now() + 30000
  while (!(await page.getByTestId('import-summary').count())) {
    const goDone = (ctx.app.output().match(/photo import finished/g) ?? []).length > finished
    if (goDone && !ctx.stuckSince) ctx.stuckSince = Date.now()
    // Go has finished and sent its result, the screen still says "importing".
    if ((goDone && Date.now() - ctx.stuckSince > 3000) || Date.now() > deadline) {
      ctx.stuck = await page.getByTestId('import-progress').textContent().catch(() => '(no progress bar)')
      ctx.stuckSince = undefined
      return null
    }
    await page.waitForTimeout(100)
  }
  ctx.stuckSince = undefined
  return (await page.getByTestId('import-summary').locator('span').first().textContent()).replace(/\s+/g, ' ').trim()
}

const cellNames = (page) => page.getByTestId('photo-cell').evaluateAll((els) => els.map((e) => e.dataset.name))
const getPhotos = (page, ids) => page.evaluate((ids) => window.go.bridge.Photos.Get(ids), ids)
const selectedCount = (page) => page.locator('[data-testid=photo-cell][aria-selected=true]').count()

async function waitCaptionSaved(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=caption-state]')?.textContent.trim() === 'Tersimpan', null, { timeout: 10000 })
}

describe('photos', () => {
  before(async () => {
    ctx.dataDir = tempDataDir()
    ctx.card = makeCard()
    const a = await startApp({ display: desk.x.display, dataDir: ctx.dataDir })
    cleanups.push(async () => {
      await a.stop()
      removeDir(ctx.dataDir)
      removeDir(ctx.card)
    })
    ctx.app = a
    ;({ page: ctx.page, errors: ctx.errors } = await openShell(desk.chrome.browser, a.url))
    await ctx.page.keyboard.press('Control+2')
    await ctx.page.getByTestId('contact-sheet').or(ctx.page.getByText('Belum ada foto')).first().waitFor()
  })

  test('import a card: summary, problems with their reasons, upright thumbnails, no duplicates', async () => {
    const { page } = ctx
    const summary = await importCard(page, ctx.card)
    // The problem list comes with the summary; if the screen got stuck
    // (checked at the end) the grid and thumbnails are still checked.
    if (summary !== null) {
      assert.equal(summary, 'Impor selesai: 12 foto baru, 0 sudah ada, 7 gagal · 1 berkas bukan foto dilewati')
      const problems = await page
        .getByTestId('import-problem')
        .evaluateAll((els) => els.map((e) => [e.querySelector('strong').textContent, e.dataset.code]))
      assert.deepEqual(Object.fromEntries(problems), EXPECT_PROBLEMS)
      assert.equal(problems.length, 7)
      assert.match(await page.getByTestId('import-problems').locator('summary').textContent(), /^7 berkas tidak bisa diimpor$/)
      assert.match(
        await page.locator('[data-testid=import-problem][data-code=heic]').textContent(),
        /Foto HEIC dari ponsel belum didukung/,
      )
    }

    assert.deepEqual((await cellNames(page)).sort(), [...GOOD].sort())
    ctx.ids = Object.fromEntries(await page.getByTestId('photo-cell').evaluateAll((els) => els.map((e) => [e.dataset.name, e.dataset.id])))

    // The phone photo is stored landscape with Orientation 6: its thumbnail
    // in the contact sheet is portrait.
    const phoneImg = page.locator(`[data-testid=photo-cell][data-name="${IPHONE}"] img`)
    await phoneImg.scrollIntoViewIfNeeded()
    await phoneImg.evaluate((img) => img.decode())
    const [iw, ih] = await phoneImg.evaluate((img) => [img.naturalWidth, img.naturalHeight])
    assert.ok(ih > iw, `iPhone thumbnail ${iw}×${ih} must be portrait`)
    assert.equal(await phoneImg.getAttribute('src'), `/photo/${ctx.ids[IPHONE]}/thumb`)

    // Every orientation fixture's thumbnail must look like f1's (already upright).
    const pixels = await page.evaluate(async (ids) => {
      const out = []
      for (const id of ids) {
        const img = new Image()
        img.src = `/photo/${id}/thumb`
        await img.decode()
        const c = document.createElement('canvas')
        c.width = 48
        c.height = 64
        const g = c.getContext('2d', { willReadFrequently: true })
        g.drawImage(img, 0, 0, c.width, c.height)
        const d = g.getImageData(0, 0, c.width, c.height).data
        const grey = []
        for (let i = 0; i < d.length; i += 4) grey.push((d[i] + d[i + 1] + d[i + 2]) / 3)
        out.push({ w: img.naturalWidth, h: img.naturalHeight, grey })
      }
      return out
    }, ORIENT.map((n) => ctx.ids[n]))
    const diff = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length
    const mirror = (g) => g.map((_, i) => g[Math.floor(i / 48) * 48 + (47 - (i % 48))])
    const flip = (g) => g.map((_, i) => g[(63 - Math.floor(i / 48)) * 48 + (i % 48)])
    const ref = pixels[0]
    // The check can fail: f1 mirrored or upside down is far from f1.
    assert.ok(diff(ref.grey, mirror(ref.grey)) > 20, `mirrored F differs by ${diff(ref.grey, mirror(ref.grey))}`)
    assert.ok(diff(ref.grey, flip(ref.grey)) > 20, `flipped F differs by ${diff(ref.grey, flip(ref.grey))}`)
    for (const [i, p] of pixels.entries()) {
      assert.deepEqual([p.w, p.h], [ref.w, ref.h], `${ORIENT[i]} thumbnail size`)
      const d = diff(p.grey, ref.grey)
      assert.ok(d < 8, `${ORIENT[i]} thumbnail differs from f1 by ${d.toFixed(1)} grey levels on average`)
    }

    // The same card again: everything already there, nothing added.
    const again = await importCard(page, ctx.card)
    if (again !== null) assert.equal(again, 'Impor selesai: 0 foto baru, 12 sudah ada, 7 gagal · 1 berkas bukan foto dilewati')
    assert.equal(await page.getByTestId('photo-cell').count(), 12)
    assert.equal((await page.evaluate(() => window.go.bridge.Photos.List())).length, 12)
    assert.ok(
      summary !== null && again !== null,
      `the import finished in Go but the screen still shows "${ctx.stuck}" (first summary: ${summary}; second: ${again})`,
    )
    assert.deepEqual(ctx.errors, [])
  })

  test('caption three photos with a template and a \\code\\', async () => {
    const { page } = ctx
    // The code table, through the Kode dialog.
    await page.getByTestId('open-codes').click()
    const codes = page.getByTestId('codes-dialog')
    await codes.waitFor()
    await codes.getByTestId('add-code').click()
    await codes.getByTestId('code-code').last().fill('mensos')
    await codes.getByTestId('code-text').last().fill(MENSOS)
    await codes.getByTestId('save-codes').click()
    await page.getByText('1 kode disimpan').waitFor()
    await codes.locator('footer').getByRole('button', { name: 'Tutup' }).click()
    await codes.waitFor({ state: 'detached' })
    assert.deepEqual(
      (await page.evaluate(() => window.go.bridge.Photos.Codes())).map((c) => [c.code, c.text]),
      [['mensos', MENSOS]],
    )

    // The template, through the Templat dialog.
    await page.getByTestId('open-templates').click()
    const tpl = page.getByTestId('templates-dialog')
    await tpl.waitFor()
    await tpl.getByTestId('new-template').click()
    await tpl.getByTestId('template-name').fill('Humas Kemensos')
    await tpl.getByTestId('template-credit').fill('Humas Kemensos')
    await tpl.getByTestId('template-city').fill('Jakarta Pusat')
    await tpl.getByTestId('template-province').fill('DKI Jakarta')
    await tpl.getByTestId('template-keywords').fill('bansos, Kemensos')
    await tpl.getByTestId('template-keywords-append').check()
    await tpl.getByTestId('save-template').click()
    await page.getByText('Templat “Humas Kemensos” disimpan').waitFor()
    await tpl.locator('header').getByRole('button', { name: 'Tutup' }).click()
    await tpl.waitFor({ state: 'detached' })

    // Three neighbours with the phone photo in the middle: click, Shift+click.
    const names = await cellNames(page)
    const i = Math.min(Math.max(names.indexOf(IPHONE), 1), names.length - 2)
    const three = names.slice(i - 1, i + 2)
    ctx.three = three.map((n) => ctx.ids[n])
    const before = await getPhotos(page, ctx.three)
    await page.getByTestId('photo-cell').nth(i - 1).click()
    await page.getByTestId('photo-cell').nth(i + 1).click({ modifiers: ['Shift'] })
    assert.equal(await selectedCount(page), 3)
    assert.match(await page.getByTestId('caption-panel').locator('.head strong').textContent(), /^3 foto dipilih/)

    await page.getByTestId('apply-template').selectOption('Humas Kemensos')
    await page.getByText('Templat “Humas Kemensos” diterapkan ke 3 foto').waitFor()
    // The panel should show what the template filled in (checked at the end,
    // so the rest of the flow still runs when it does not).
    const panelCity = await page
      .waitForFunction(() => document.querySelector('[data-testid=field-city]')?.value === 'Jakarta Pusat', null, { timeout: 2000 })
      .then(() => 'Jakarta Pusat', async () => page.getByTestId('field-city').inputValue())

    const caption = page.getByTestId('field-caption')
    await caption.click()
    await page.keyboard.type('\\mensos')
    assert.equal(await caption.inputValue(), '\\mensos')
    await page.keyboard.type('\\')
    assert.equal(await caption.inputValue(), MENSOS, 'the code expands as its closing backslash is typed')
    await page.keyboard.type(' menyerahkan bantuan')
    await waitCaptionSaved(page)

    const got = await getPhotos(page, ctx.three)
    assert.equal(got.length, 3)
    for (const p of got) {
      const was = before.find((b) => b.id === p.id).fields.keywords ?? []
      assert.equal(p.fields.caption, CAPTION, p.name)
      assert.equal(p.fields.credit, 'Humas Kemensos', p.name)
      assert.equal(p.fields.city, 'Jakarta Pusat', p.name)
      assert.equal(p.fields.province, 'DKI Jakarta', p.name)
      assert.deepEqual(p.fields.keywords, [...was, 'bansos', 'Kemensos'], `${p.name}: keywords appended`)
    }
    // The contact sheet shows the new caption under each of them.
    for (const n of three)
      assert.equal((await page.locator(`[data-testid=photo-cell][data-name="${n}"] .cap`).textContent()).trim(), CAPTION)
    assert.equal(panelCity, 'Jakarta Pusat', 'the caption panel shows the city the template set on the selected photos')
    assert.deepEqual(ctx.errors, [])
  })

  test('house style: place, day and date from the photo, credit from the creator', async () => {
    const { page } = ctx
    await page.locator(`[data-testid=photo-cell][data-name="${IPHONE}"]`).click()
    assert.equal(await selectedCount(page), 1)
    assert.equal(await page.getByTestId('field-caption').inputValue(), CAPTION)
    await page.locator('#photo-creator').click()
    await page.keyboard.type(CREATOR)
    await page.keyboard.press('Enter')
    await page.getByTestId('field-city').fill(CITY)
    await waitCaptionSaved(page)
    await page.getByTestId('house-style').click()
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid=field-caption]')?.value === v,
      HOUSE,
      { timeout: 10000 },
    ).catch(() => {})
    assert.equal(await page.getByTestId('field-caption').inputValue(), HOUSE)
    const [p] = await getPhotos(page, [ctx.ids[IPHONE]])
    assert.equal(p.fields.caption, HOUSE)
    assert.deepEqual(p.fields.creator, [CREATOR])
    assert.equal(p.fields.city, CITY)
    assert.deepEqual(ctx.errors, [])
  })

  test('insert into an article: the figure caption is the photo caption, and editing it updates the photo', async () => {
    const { page } = ctx
    await page.keyboard.press('Control+1')
    await page.keyboard.press('Control+n')
    await page.getByTestId('headline').waitFor()
    await page.waitForFunction(() => document.activeElement?.dataset.testid === 'headline')
    await page.keyboard.insertText('Kemensos Salurkan Bantuan')
    await page.getByTestId('article-body').click()
    await page.keyboard.insertText('Bantuan diserahkan kepada warga.')
    await page.getByTestId('insert-photo').click()
    const picker = page.getByTestId('photo-picker')
    await picker.waitFor()
    await picker.locator(`[data-testid=picker-photo][data-name="${IPHONE}"]`).click()
    await picker.waitFor({ state: 'detached' })
    const fig = page.getByTestId('article-body').locator('figure')
    await fig.waitFor()
    assert.equal(await fig.count(), 1)
    assert.equal((await fig.locator('figcaption').textContent()).trim(), HOUSE)
    assert.equal(await fig.locator('img').getAttribute('src'), `/photo/${ctx.ids[IPHONE]}/web`)

    // Type at the end of the caption.
    await fig.locator('figcaption').click()
    await page.evaluate(() => {
      const fc = document.querySelector('[data-testid=article-body] figure figcaption')
      const r = document.createRange()
      r.selectNodeContents(fc)
      r.collapse(false)
      const s = window.getSelection()
      s.removeAllRanges()
      s.addRange(r)
    })
    await page.waitForTimeout(100)
    await page.keyboard.type(FIGURE_TAIL)
    assert.equal((await fig.locator('figcaption').textContent()).trim(), HOUSE + FIGURE_TAIL)
    await page.waitForTimeout(2000)
    const deadline = Date.now() + 5000
    let p
    do {
      ;[p] = await getPhotos(page, [ctx.ids[IPHONE]])
      if (p.fields.caption === HOUSE + FIGURE_TAIL) break
      await page.waitForTimeout(200)
    } while (Date.now() < deadline)
    assert.equal(p.fields.caption, HOUSE + FIGURE_TAIL, 'the figure caption went back to the photo')
    ctx.finalCaption = p.fields.caption
    assert.deepEqual(ctx.errors, [])
  })

  test('export web and original: exiftool reads the caption back, the original keeps its pixels', async () => {
    const { page } = ctx
    const id = ctx.ids[IPHONE]
    const out = tempDataDir()
    cleanups.push(() => removeDir(out))
    const files = {}
    for (const kind of ['web', 'original']) {
      const dir = join(out, kind)
      mkdirSync(dir)
      const res = await page.evaluate(([id, dir, kind]) => window.go.bridge.Photos.ExportTo([id], dir, kind), [id, dir, kind])
      assert.equal(res.length, 1)
      assert.equal(res[0].error ?? '', '', `${kind} export error`)
      assert.deepEqual(res[0].truncated ?? [], [])
      assert.deepEqual(readdirSync(dir).map((f) => join(dir, f)), [res[0].path])
      files[kind] = res[0].path
    }
    const want = {
      'Caption-Abstract': ctx.finalCaption,
      Description: ctx.finalCaption,
      ImageDescription: ctx.finalCaption,
      Credit: 'Humas Kemensos',
      City: CITY,
      Keywords: ['bansos', 'Kemensos'],
    }
    const read = (f) => {
      const [tags] = JSON.parse(
        execFileSync('exiftool', ['-j', '-IPTC:Caption-Abstract', '-XMP-dc:Description', '-EXIF:ImageDescription', '-IPTC:Credit', '-XMP-photoshop:City', '-IPTC:Keywords', f]).toString(),
      )
      delete tags.SourceFile
      return tags
    }
    // The original first (its EXIF is kept and synced), then its pixels.
    assert.deepEqual(read(files.original), want, 'original: tags as exiftool reads them')
    const stripped = (f) => execFileSync('sh', ['-c', 'exiftool -all= -o - "$1" | md5sum', 'sh', f]).toString()
    const original = join(ctx.dataDir, 'photos', id, 'original.jpg')
    assert.equal(stripped(files.original), stripped(original), 'the original export has the library original’s pixels')
    // The web version: the menu promises the caption in IPTC, XMP and EXIF.
    assert.deepEqual(read(files.web), want, 'web: tags as exiftool reads them')
    assert.deepEqual(ctx.errors, [])
  })

  test('keyboard on the contact sheet: arrows, Shift+arrow, Ctrl+A, Escape', async () => {
    const { page } = ctx
    await page.keyboard.press('Control+2')
    const cells = page.getByTestId('photo-cell')
    await cells.first().waitFor()
    const count = page.locator('header .count')
    await cells.first().click()
    assert.equal(await selectedCount(page), 1)
    await page.keyboard.press('ArrowRight')
    const sel = () => page.locator('[data-testid=photo-cell][aria-selected=true]').evaluateAll((els) => els.map((e) => e.dataset.id))
    const ids = await cells.evaluateAll((els) => els.map((e) => e.dataset.id))
    assert.deepEqual(await sel(), [ids[1]])
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), ids[1])
    await page.keyboard.press('Shift+ArrowRight')
    assert.deepEqual(await sel(), [ids[1], ids[2]])
    assert.equal((await count.textContent()).replace(/\s+/g, ' ').trim(), '12 foto · 2 dipilih')
    await page.keyboard.press('Control+a')
    assert.equal(await selectedCount(page), 12)
    assert.equal((await count.textContent()).replace(/\s+/g, ' ').trim(), '12 foto · 12 dipilih')
    await page.keyboard.press('Escape')
    assert.equal(await selectedCount(page), 0)
    assert.equal((await count.textContent()).replace(/\s+/g, ' ').trim(), '12 foto')
    assert.deepEqual(ctx.errors, [])
  })
})
