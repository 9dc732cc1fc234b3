// Publishing to WordPress end to end: the real app (dev build) in real
// Chromium, publishing to a real WordPress 6.1 (Debian's package under
// PHP's built-in server with a private MariaDB, scripts/wptest.sh). The
// posts and media are read back through the site's REST API as its admin,
// and the served photo files are checked with exiftool.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openShell, removeDir, repo, startApp, tempDataDir, useDesktop } from './harness.mjs'

const fixtures = join(import.meta.dirname, 'fixtures', 'photos')
const desk = useDesktop({ before, after })
const cleanups = desk.cleanups
const ctx = {} // site, siteDir, app, page, errors, dataDir, photos, article, postId

const HEADLINE = 'Gubernur Tinjau Banjir di Kampung Melayu'
const CAPTIONS = [
  'Gubernur meninjau posko pengungsian di Kampung Melayu, Jakarta Timur. (Foto: Rivan Awal Lingga)',
  'Warga mengungsi dengan perahu karet. (Foto: Dedi Sinuhaji)',
  'Petugas membagikan makanan siap saji kepada pengungsi. (Foto: Rivan Awal Lingga)',
]

/** startSite stands up a WordPress site that stops when this process dies. */
function startSite() {
  const dir = tempDataDir()
  execFileSync('bash', [join(repo, 'scripts/wptest.sh'), 'start', dir], {
    env: { ...process.env, WPTEST_OWNER_PID: String(process.pid) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return { dir, ...JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) }
}

/** wp calls the site's REST API as the admin; returns [status, body]. */
async function wp(method, route, body) {
  const auth = Buffer.from(`${ctx.site.admin}:${ctx.site.adminAppPassword}`).toString('base64')
  const [path, query = ''] = route.split('?')
  const r = await fetch(`${ctx.site.url}/?rest_route=/wp/v2${path}${query ? '&' + query : ''}`, {
    method,
    headers: { Authorization: `Basic ${auth}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return [r.status, await r.json()]
}

/** until polls f (async) every 100 ms until it returns something truthy. */
async function until(what, f, timeout = 30000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const job = (page) => page.locator(`[data-testid=wp-job][data-article="${ctx.article.id}"]`)

async function waitJob(page, state) {
  return until(`the job ${state}`, async () => {
    const s = await job(page).getAttribute('data-state').catch(() => null)
    if (s === 'failed' && state !== 'failed') throw new Error(`the job failed: ${await job(page).textContent()}`)
    return s === state
  }, 60000)
}

describe('wordpress', () => {
  before(async () => {
    ctx.site = startSite()
    cleanups.push(async () => {
      execFileSync('bash', [join(repo, 'scripts/wptest.sh'), 'stop', ctx.site.dir], { stdio: 'inherit' })
      removeDir(ctx.site.dir)
    })
    ctx.dataDir = tempDataDir()
    cleanups.push(async () => removeDir(ctx.dataDir))
    ctx.app = await startApp({ display: desk.x.display, dataDir: ctx.dataDir })
    cleanups.push(async () => ctx.app.stop())
    ;({ page: ctx.page, errors: ctx.errors } = await openShell(desk.chrome.browser, ctx.app.url))
  })

  test('a site added in Settings: wrong password, no rights and not-WordPress told apart; the right password kept', async () => {
    const page = ctx.page
    await page.keyboard.press('Control+4')
    const form = page.getByTestId('wp-form')
    await form.waitFor()
    const tryWith = async (url, user, password) => {
      await page.getByTestId('wp-url').fill(url)
      await page.getByTestId('wp-user').fill(user)
      await page.getByTestId('wp-password').fill(password)
      await page.getByTestId('wp-test').click()
      const res = page.getByTestId('wp-result')
      await res.waitFor()
      await until('the answer', async () => !(await page.getByTestId('wp-test').isDisabled()))
      return { code: await res.getAttribute('data-code'), text: await res.textContent() }
    }
    let r = await tryWith(ctx.site.url, ctx.site.users.author.name, 'abcd efgh ijkl mnop qrst uvwx')
    assert.equal(r.code, 'wrongPassword')
    assert.match(r.text, /kata sandi aplikasi salah/)
    r = await tryWith(ctx.site.url, ctx.site.users.subscriber.name, ctx.site.users.subscriber.appPassword)
    assert.equal(r.code, 'noRights')
    r = await tryWith(ctx.app.url, 'author', 'abcd efgh ijkl mnop qrst uvwx')
    assert.equal(r.code, 'notWordPress')
    r = await tryWith(ctx.site.url, ctx.site.users.author.name, ctx.site.users.author.appPassword)
    assert.equal(r.code, 'ok')
    assert.match(r.text, /Boleh menerbitkan dan menjadwalkan/) // WordPress's authors publish their own posts
    await page.getByTestId('wp-add').click()
    const row = page.getByTestId('wp-account')
    await row.waitFor()
    assert.match(await row.textContent(), new RegExp(`${ctx.site.users.author.name} di `))
    const accounts = await page.evaluate(() => window.go.bridge.Sync.Accounts())
    assert.equal(accounts.length, 1)
    assert.equal(accounts[0].kind, 'wordpress')
    assert.ok(!JSON.stringify(accounts).includes(ctx.site.users.author.appPassword), 'the password is not in the account list')
  })

  test('an article with three captioned photos goes to the site as a draft; post and media read back field by field', async () => {
    const page = ctx.page
    const files = ['metadata-extractor-simple.jpg', 'nikon-d2h-gps-xmp.jpg', 'IPTC-PhotometadataRef-Std2021.1.jpg'].map((f) => join(fixtures, f))
    await page.evaluate((p) => window.go.bridge.Photos.Import(p), files)
    const list = await until('3 photos', async () => {
      const l = (await page.evaluate(async () => (await window.go.bridge.Photos.List()) ?? [])) ?? []
      return l.length >= 3 ? l : null
    }, 60000)
    ctx.photos = list.slice(0, 3)
    for (const [i, p] of ctx.photos.entries()) {
      await page.evaluate(
        ({ id, caption }) =>
          window.go.bridge.Photos.Apply([id], [
            { field: 'caption', mode: 'replace', text: caption },
            { field: 'altText', mode: 'replace', text: caption.replace(/ \(Foto:.*$/, '') },
          ]),
        { id: p.id, caption: CAPTIONS[i] },
      )
    }
    ctx.article = await page.evaluate(
      async ({ headline, photos, captions }) => {
        const a = await window.go.bridge.Articles.Create({ headline })
        a.status = 'ready'
        a.subheadline = 'Ribuan warga mengungsi'
        a.category = 'Berita Daerah'
        a.tags = ['banjir', 'Jakarta Timur']
        a.dateline = { place: 'Jakarta', agency: 'Humas' }
        a.reporters = ['Asriani']
        a.body = {
          type: 'doc',
          content: [
            { type: 'paragraph', content: [{ type: 'text', text: 'Gubernur meninjau lokasi banjir pada Senin pagi.' }] },
            ...photos.map((id, i) => ({ type: 'figure', attrs: { src: 'warta-photo:' + id, alt: '' }, content: [{ type: 'text', text: captions[i] }] })),
          ],
        }
        const saved = await window.go.bridge.Articles.Save(a, false)
        return { id: saved.id }
      },
      { headline: HEADLINE, photos: ctx.photos.map((p) => p.id), captions: CAPTIONS },
    )
    // The site's editors made the category; an author may not create one.
    assert.equal((await wp('POST', '/categories', { name: 'Berita Daerah' }))[0], 201)
    await page.keyboard.press('Control+3')
    const send = page.getByTestId('wp-publish-all')
    await until('1 ready for WordPress', async () => /\(1 artikel siap\)/.test(await send.textContent()))
    assert.equal(await page.getByTestId('wp-status').inputValue(), 'draft')
    await send.click()
    await waitJob(page, 'done')
    assert.match(await job(page).textContent(), /Di situs/)

    const [st, posts] = await wp('GET', `/posts?status=any&context=edit&search=${encodeURIComponent('Kampung Melayu')}`)
    assert.equal(st, 200)
    assert.equal(posts.length, 1, 'one post')
    const post = posts[0]
    ctx.postId = post.id
    assert.equal(post.status, 'draft')
    assert.equal(post.title.raw, HEADLINE)
    assert.match(post.excerpt.raw, /Ribuan warga mengungsi/)
    assert.ok(!post.content.raw.includes('<h1'), 'no h1 in the content')
    assert.match(post.content.raw, /Jakarta, Humas –/, 'the dateline opens the first paragraph')
    assert.match(post.content.raw, /Asriani/, 'the reporter')
    const [, cats] = await wp('GET', `/categories?include=${post.categories.join(',')}`)
    assert.deepEqual(cats.map((c) => c.name), ['Berita Daerah'])
    const [, tags] = await wp('GET', `/tags?include=${post.tags.join(',')}`)
    assert.deepEqual(tags.map((c) => c.name).sort(), ['Jakarta Timur', 'banjir'])

    const [, media] = await wp('GET', `/media?context=edit&per_page=100`)
    assert.equal(media.length, 3, 'one attachment per photo')
    const figures = [...post.content.raw.matchAll(/<figure[^>]*>\s*<img[^>]*src="([^"]+)"[^>]*class="wp-image-(\d+)"[^>]*\/?>\s*<figcaption[^>]*>([^<]*)<\/figcaption>/g)]
    assert.equal(figures.length, 3, post.content.raw)
    for (const [i, [, src, id, caption]] of figures.entries()) {
      const m = media.find((x) => x.id === Number(id))
      assert.ok(m, `figure ${i} points at attachment ${id}`)
      assert.equal(src, m.source_url)
      assert.equal(caption.replace(/&#8211;|&ndash;/g, '–'), CAPTIONS[i])
      assert.match(m.caption.raw, new RegExp(CAPTIONS[i].slice(0, 30)))
      assert.equal(m.alt_text, CAPTIONS[i].replace(/ \(Foto:.*$/, ''))
      assert.ok(m.description.raw.length > 0, 'a description')
      // The served file carries the caption in IPTC, for every newsroom tool.
      const bytes = Buffer.from(await (await fetch(m.source_url)).arrayBuffer())
      const f = join(ctx.dataDir, `served-${i}.jpg`)
      writeFileSync(f, bytes)
      const meta = JSON.parse(execFileSync('exiftool', ['-j', '-charset', 'iptc=UTF8', '-IPTC:Caption-Abstract', '-XMP-dc:Description', f], { encoding: 'utf8' }))[0]
      assert.equal(meta['Caption-Abstract'], CAPTIONS[i])
      assert.equal(meta.Description, CAPTIONS[i])
    }
    assert.equal(post.featured_media, Number(figures[0][2]), 'the first photo is the featured image')
    assert.deepEqual(ctx.errors, [])
  })

  test('edited on the site and in Warta: both versions shown; "Punya saya" puts Warta\'s text on the site, nothing duplicated', async () => {
    const page = ctx.page
    const [st] = await wp('POST', `/posts/${ctx.postId}`, { title: 'Judul diubah redaktur situs' })
    assert.equal(st, 200)
    await page.evaluate(async (id) => {
      const a = await window.go.bridge.Articles.Get(id)
      a.body.content[0] = { type: 'paragraph', content: [{ type: 'text', text: 'Gubernur meninjau lokasi banjir pada Senin pagi bersama wali kota.' }] }
      await window.go.bridge.Articles.Save(a, false)
    }, ctx.article.id)
    await page.keyboard.press('Control+1')
    await page.keyboard.press('Control+3')
    const send = page.getByTestId('wp-publish-all')
    await until('1 ready again', async () => /\(1 artikel siap\)/.test(await send.textContent()))
    await send.click()
    await waitJob(page, 'conflict')
    const conflict = page.getByTestId('wp-conflict')
    await conflict.waitFor()
    const text = await conflict.textContent()
    assert.match(text, /Judul diubah redaktur situs/)
    assert.match(text, new RegExp(HEADLINE))
    assert.match(text, /bersama wali kota/)
    await page.getByTestId('wp-mine').click()
    await waitJob(page, 'done')
    const [, post] = await wp('GET', `/posts/${ctx.postId}?context=edit`)
    assert.equal(post.title.raw, HEADLINE)
    assert.match(post.content.raw, /bersama wali kota/)
    const [, posts] = await wp('GET', `/posts?status=any&context=edit&per_page=100&search=${encodeURIComponent('Kampung Melayu')}`)
    assert.equal(posts.length, 1, 'still one post')
    const [, media] = await wp('GET', `/media?context=edit&per_page=100`)
    assert.equal(media.length, 3, 'still three attachments')
    assert.deepEqual(ctx.errors, [])
  })
})
