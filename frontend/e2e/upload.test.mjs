// The batch upload end to end: real Go backend (outbox in Badger), real
// frontend, real Chromium, and a real Warta server (cmd/warta-server, built
// here) on a loopback port. Articles and photos are made through the same
// bridge methods the editor and a drop end in; signing in, sending, the
// conflict choice and the progress are driven and read through the UI; what
// arrived is checked on the server through its own HTTP API.
// The tests share one app and build on each other: sign in → send two
// articles → a conflict with an editor → a big batch cut by a restart.
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { openShell, removeDir, repo, startApp, tempDataDir, useDesktop } from './harness.mjs'

const fixtures = join(import.meta.dirname, 'fixtures', 'photos')
const desk = useDesktop({ before, after })
const cleanups = desk.cleanups

const USERS = {
  rina: { role: 'reporter', password: 'rahasia-rina-2019' },
  eko: { role: 'editor', password: 'rahasia-eko-2019' },
}

const ctx = {} // server {url, dir}, app, page, errors, dataDir, articles [{id, headline}]

/** startServer builds warta-server, adds the users and starts it on a free loopback port. */
async function startServer() {
  const dir = tempDataDir()
  const bin = join(dir, 'warta-server')
  execFileSync('go', ['build', '-o', bin, './cmd/warta-server'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] })
  const data = join(dir, 'data')
  mkdirSync(data)
  for (const [name, u] of Object.entries(USERS)) {
    execFileSync(bin, ['adduser', '--data', data, '--name', name, '--role', u.role, '--newsroom', 'humas'], {
      input: u.password + '\n',
      stdio: ['pipe', 'ignore', 'inherit'],
    })
  }
  const proc = spawn(bin, ['--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proc.stderr.on('data', (d) => (output += d))
  const exited = new Promise((ok) => proc.on('exit', (code, signal) => ok(code ?? signal)))
  const url = await new Promise((ok, fail) => {
    let b = ''
    proc.stdout.on('data', (d) => {
      b += d
      output += d
      const m = /listening on (http:\/\/\S+)/.exec(b)
      if (m) ok(m[1].replace(/\/$/, ''))
    })
    proc.on('exit', (code) => fail(new Error(`warta-server exited ${code}:\n${output}`)))
    setTimeout(() => fail(new Error(`warta-server did not say where it listens:\n${output}`)), 15000)
  })
  return {
    url,
    dir,
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000)
      const code = await exited
      clearTimeout(t)
      return code
    },
  }
}

/**
 * startLink puts a TCP proxy between the app and the server: the laptop's
 * network. Setting link.rate (bytes per second, 0 = unlimited) slows what
 * the app sends, like a hotspot, so an upload can be caught half-way.
 */
async function startLink(target) {
  const { hostname, port } = new URL(target)
  const link = { rate: 0, url: '' }
  const sockets = new Set()
  const srv = net.createServer((client) => {
    const up = net.connect(Number(port), hostname)
    for (const s of [client, up]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => (sockets.delete(s), client.destroy(), up.destroy()))
    }
    client.on('data', (chunk) => {
      if (!link.rate) {
        if (!up.write(chunk)) (client.pause(), up.once('drain', () => client.resume()))
        return
      }
      client.pause()
      setTimeout(() => (up.write(chunk), client.resume()), (1000 * chunk.length) / link.rate)
    })
    client.on('end', () => up.end())
    up.pipe(client)
  })
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok))
  link.url = `http://127.0.0.1:${srv.address().port}`
  link.stop = () => new Promise((ok) => (sockets.forEach((s) => s.destroy()), srv.close(ok)))
  return link
}

/** api calls the Warta server as a user (logging in once) and returns [status, JSON body]. */
const tokens = {}
async function api(user, method, path, { body, headers = {} } = {}) {
  if (!tokens[user]) {
    const r = await fetch(`${ctx.server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password: USERS[user].password, device: 'e2e' }),
    })
    assert.equal(r.status, 200, `login ${user}`)
    tokens[user] = (await r.json()).token
  }
  const r = await fetch(`${ctx.server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${tokens[user]}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await r.text()
  return [r.status, text ? JSON.parse(text) : null]
}

/** allChanges pages through GET /changes from the start. */
async function allChanges(user) {
  const out = []
  let since = ''
  for (;;) {
    const [st, b] = await api(user, 'GET', `/changes?since=${encodeURIComponent(since)}&limit=100`)
    assert.equal(st, 200)
    out.push(...b.changes)
    if (!b.more) return out
    since = b.cursor
  }
}

/** until polls f (async) every 100 ms until it returns something truthy. */
async function until(what, f, timeout = 20000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const items = (page) => page.evaluate(async () => await window.go.bridge.Sync.Items())
/** uiItems reads the upload screen's rows: [kind, id, state, text]. */
const uiItems = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=upload-item]')].map((li) => ({
      kind: li.closest('[data-testid=upload-articles]') ? 'article' : 'photo',
      id: li.dataset.id,
      state: li.dataset.state,
      text: li.textContent.replace(/\s+/g, ' ').trim(),
    })),
  )

async function importPhotos(page, paths, count) {
  const before = (await page.evaluate(async () => (await window.go.bridge.Photos.List()) ?? [])).length
  await page.evaluate((p) => window.go.bridge.Photos.Import(p), paths)
  return until(
    'photos imported',
    async () => {
      const l = (await page.evaluate(async () => (await window.go.bridge.Photos.List()) ?? [])) ?? []
      return l.length >= before + count ? l : null
    },
    60000,
  )
}

/** makeArticle creates a ready article whose body has one figure per photo. */
function makeArticle(page, headline, photoIds) {
  return page.evaluate(
    async ({ headline, photoIds }) => {
      const a = await window.go.bridge.Articles.Create({ headline })
      a.status = 'ready'
      a.body = {
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: `Isi ${headline}.` }] },
          ...photoIds.map((id, i) => ({
            type: 'figure',
            attrs: { src: 'warta-photo:' + id, alt: '' },
            content: [{ type: 'text', text: `Keterangan ${i + 1} untuk ${headline}` }],
          })),
        ],
      }
      const saved = await window.go.bridge.Articles.Save(a, false)
      return { id: saved.id, headline: saved.headline }
    },
    { headline, photoIds },
  )
}

const uploadAll = (page) => page.getByTestId('upload-all')

async function openUpload(page) {
  await page.keyboard.press('Control+3')
  await uploadAll(page).waitFor()
}

/** waitAllDone waits until every row on the upload screen is done. */
function waitAllDone(page, nArticles, nPhotos, timeout = 30000) {
  return until(
    `${nArticles} articles and ${nPhotos} photos done`,
    async () => {
      const l = await uiItems(page)
      const a = l.filter((i) => i.kind === 'article')
      const p = l.filter((i) => i.kind === 'photo')
      if (l.some((i) => i.state === 'failed')) throw new Error(`an item failed: ${JSON.stringify(l)}`)
      return a.length === nArticles && p.length === nPhotos && l.every((i) => i.state === 'done') ? l : null
    },
    timeout,
  )
}

describe('upload', () => {
  before(async () => {
    ctx.server = await startServer()
    ctx.link = await startLink(ctx.server.url)
    cleanups.push(async () => ctx.link.stop())
    cleanups.push(async () => {
      const code = await ctx.server.stop()
      removeDir(ctx.server.dir)
      assert.equal(code, 0, `warta-server exit code\n${ctx.server.output()}`)
    })
    ctx.dataDir = tempDataDir()
    cleanups.push(async () => removeDir(ctx.dataDir))
    ctx.app = await startApp({ display: desk.x.display, dataDir: ctx.dataDir })
    cleanups.push(async () => ctx.app.stop())
    ;({ page: ctx.page, errors: ctx.errors } = await openShell(desk.chrome.browser, ctx.app.url))
  })

  test('a new user adds a server account in Settings: wrong password explained, token place shown', async () => {
    const { page } = ctx
    await page.keyboard.press('Control+4')
    const section = page.getByTestId('settings-server')
    await section.waitFor()
    assert.match(await section.locator('h2').textContent(), /Server Warta/)
    await page.getByTestId('server-url').fill(ctx.link.url)
    await page.getByTestId('server-user').fill('rina')
    await page.getByTestId('server-password').fill('bukan-sandinya')
    await page.getByTestId('server-signin-button').click()
    await page.getByTestId('signin-error').waitFor()
    assert.match(await page.getByTestId('signin-error').textContent(), /^Nama pengguna atau kata sandi salah\./)
    assert.equal(await page.getByTestId('server-account').count(), 0)

    await page.getByTestId('server-password').fill(USERS.rina.password)
    await page.getByTestId('server-signin-button').click()
    const account = page.getByTestId('server-account')
    await account.waitFor()
    const text = (await account.textContent()).replace(/\s+/g, ' ')
    assert.ok(text.includes(`rina di ${ctx.link.url}`), text)
    // No keyring on this machine: the token is in the fallback file, and the note says so.
    const note = account.getByRole('note')
    assert.equal(await note.count(), 1, 'the file fallback note')
    assert.match(await note.textContent(), /secrets\.json/)
    assert.equal(await page.getByTestId('signin-error').count(), 0)
    assert.deepEqual(ctx.errors, [])
  })

  test('two ready articles with their photos are sent; the server has them, received, at rev 1', async () => {
    const { page } = ctx
    const names = ['IPTC-PhotometadataRef-Std2021.1.jpg', 'nikon-d2h-gps-xmp.jpg', 'metadata-extractor-simple.jpg']
    const list = await importPhotos(page, names.map((n) => join(fixtures, n)), 3)
    const byName = Object.fromEntries(list.map((p) => [p.name, p]))
    ctx.articles = [
      await makeArticle(page, 'Mensos serahkan bantuan di Cawang', [byName[names[0]].id, byName[names[1]].id]),
      await makeArticle(page, 'Rakornas penanggulangan bencana dibuka', [byName[names[2]].id]),
    ]
    await openUpload(page)
    assert.match(await uploadAll(page).textContent(), /\(2 artikel siap\)/)
    await uploadAll(page).click()
    await page.getByTestId('upload-overall').waitFor()
    const rows = await waitAllDone(page, 2, 3)
    for (const r of rows) assert.match(r.text, /Di server/, r.text)
    assert.deepEqual(rows.filter((r) => r.kind === 'article').map((r) => r.id).sort(), ctx.articles.map((a) => a.id).sort())
    assert.deepEqual(rows.filter((r) => r.kind === 'photo').map((r) => r.id).sort(), names.map((n) => byName[n].id).sort())
    assert.match(await page.getByTestId('upload-overall').textContent(), /5 dari 5 selesai/)

    // On the server, as rina.
    for (const a of ctx.articles) {
      const [st, srv] = await api('rina', 'GET', `/articles/${a.id}`)
      assert.equal(st, 200)
      assert.equal(srv.rev, 1)
      assert.equal(srv.state, 'received')
      assert.equal(srv.headline, a.headline)
      assert.equal(srv.owner, 'rina')
    }
    const ch = await allChanges('rina')
    assert.deepEqual(ch.map((c) => c.id).sort(), ctx.articles.map((a) => a.id).sort())
    for (const sha of (await items(page)).filter((i) => i.kind === 'photo').map((i) => i.sha256)) {
      const r = await fetch(`${ctx.server.url}/api/v1/photos/sha256/${sha}`, { method: 'HEAD', headers: { Authorization: `Bearer ${tokens.rina}` } })
      assert.equal(r.status, 200, `photo ${sha} on the server`)
    }
    // Nothing is offered again: Go says so, and the button, without leaving the screen.
    assert.deepEqual(await page.evaluate(async () => (await window.go.bridge.Sync.Ready(await window.go.bridge.Sync.Target())) ?? []), [])
    await until('the button to say 0 ready', async () => /\(0 artikel siap\)/.test(await uploadAll(page).textContent()), 5000).catch(async (e) => {
      throw new Error(`${e.message}: it says "${(await uploadAll(page).textContent()).trim()}"`)
    })
    assert.ok(await uploadAll(page).isDisabled())
    assert.deepEqual(ctx.errors, [])
  })

  test("a conflict with the editor's change: Konflik with eko's name, 'Punya saya' wins on the server at rev 3", async () => {
    const { page } = ctx
    const a = ctx.articles[0]
    // The editor changes the article on the server.
    const [st0, srv] = await api('eko', 'GET', `/articles/${a.id}`)
    assert.equal(st0, 200)
    const theirs = 'Mensos serahkan bantuan (disunting redaktur)'
    const [st1, put] = await api('eko', 'PUT', `/articles/${a.id}`, {
      headers: { 'Idempotency-Key': 'e2e-eko-edit-000000000001' },
      body: { baseRev: 1, article: { ...srv, headline: theirs } },
    })
    assert.equal(st1, 200, JSON.stringify(put))
    assert.equal(put.article.rev, 2)
    assert.equal(put.article.updatedBy, 'eko')

    // Rina changes it too, offline, and sends again.
    const mine = 'Mensos serahkan bantuan sosial di Cawang Kencana'
    await page.evaluate(
      async ({ id, mine }) => {
        const x = await window.go.bridge.Articles.Get(id)
        x.headline = mine
        await window.go.bridge.Articles.Save(x, false)
      },
      { id: a.id, mine },
    )
    // The screen is reloaded to see the ready list change (it reads it when opened).
    await page.keyboard.press('Control+1')
    await openUpload(page)
    await until('1 ready', async () => /\(1 artikel siap\)/.test(await uploadAll(page).textContent()))
    await uploadAll(page).click()
    const row = page.locator(`[data-testid=upload-item][data-id="${a.id}"]`)
    await until('conflict', async () => (await row.getAttribute('data-state')) === 'conflict')
    const text = (await row.textContent()).replace(/\s+/g, ' ')
    assert.match(text, /Konflik/)
    // Who changed it is checked at the end, so the choice is tested either way.
    const named = /Versi di server diubah oleh eko\./.test(text)
    await row.getByRole('button', { name: 'Punya saya' }).click()
    await until('done after mine', async () => (await row.getAttribute('data-state')) === 'done')
    assert.match(await row.textContent(), /revisi server 3/)

    const [st2, after] = await api('rina', 'GET', `/articles/${a.id}`)
    assert.equal(st2, 200)
    assert.equal(after.rev, 3)
    assert.equal(after.headline, mine)
    assert.equal(after.state, 'received')
    assert.equal(after.updatedBy, 'rina')
    const local = await page.evaluate((id) => window.go.bridge.Articles.Get(id), a.id)
    assert.equal(local.headline, mine)
    assert.equal(local.status, 'ready')
    // Still exactly the two articles on the server: "mine" made no copy.
    assert.equal((await allChanges('rina')).length, 2)
    assert.deepEqual(ctx.errors, [])
    assert.ok(named, `the conflict names the editor: ${text}`)
  })

  test("an editor's change at the office reaches the laptop with 'Tarik perubahan'", async () => {
    const { page } = ctx
    const a = ctx.articles[1]
    const [st0, srv] = await api('eko', 'GET', `/articles/${a.id}`)
    assert.equal(st0, 200)
    const edited = 'Judul yang dirapikan redaktur di kantor'
    const [st1, put] = await api('eko', 'PUT', `/articles/${a.id}`, {
      headers: { 'Idempotency-Key': 'e2e-eko-edit-000000000002' },
      body: { baseRev: srv.rev, article: { ...srv, headline: edited } },
    })
    assert.equal(st1, 200, JSON.stringify(put))
    await page.getByTestId('pull').click()
    await until('pulled', async () => (await page.evaluate((id) => window.go.bridge.Articles.Get(id), a.id)).headline === edited)
    await page.getByText(/Dari server: 1 diperbarui, 0 baru, 0 konflik/).first().waitFor()
    // Pulling again changes nothing: the cursor moved on.
    const r = await page.evaluate(() => window.go.bridge.Sync.Pull())
    assert.deepEqual([r.updated, r.created, r.conflicts], [0, 0, 0])
    assert.deepEqual(ctx.errors, [])
  })

  test('an app stopped in the middle of a big batch resumes when started again, still signed in', async (t) => {
    let { page } = ctx
    const N = 15
    const dir = tempDataDir()
    cleanups.push(async () => removeDir(dir))
    // Fifteen different photos (plasma with different seeds: their web renditions differ too).
    const run = promisify(execFile)
    const paths = Array.from({ length: N }, (_, i) => join(dir, `liputan-${String(i + 1).padStart(2, '0')}.jpg`))
    await Promise.all(paths.map((p, i) => run('convert', ['-seed', String(100 + i), '-size', '1500x1000', 'plasma:', '-quality', '92', p])))
    const list = await importPhotos(page, paths, N)
    const ids = paths.map((p) => list.find((x) => x.name === p.split('/').pop()).id)
    const big = []
    for (let i = 0; i < 5; i++) big.push(await makeArticle(page, `Liputan banjir bagian ${i + 1}`, ids.slice(3 * i, 3 * i + 3)))

    await page.keyboard.press('Control+1')
    await openUpload(page)
    await until('5 ready', async () => /\(5 artikel siap\)/.test(await uploadAll(page).textContent()))
    // A slow link (2 MB/s up), so that the app can be stopped half-way.
    ctx.link.rate = 2e6
    await uploadAll(page).click()
    // Stop the app once the first photo is on the server and others are on their way.
    await until('upload started', async () => (await items(page)).some((i) => i.kind === 'photo' && ids.includes(i.localId) && i.state === 'done'), 20000)
    const atStop = (await items(page)).filter((i) => big.some((a) => a.id === i.localId) || ids.includes(i.localId))
    assert.equal(await ctx.app.stop(), 0, 'the app exits cleanly mid-upload')
    const doneAtStop = atStop.filter((i) => i.state === 'done').length
    assert.ok(doneAtStop < N + big.length, `stopped before the batch was done (${doneAtStop} done)`)
    t.diagnostic(`stopped with ${doneAtStop} of ${N + big.length} items done, ${atStop.reduce((n, i) => n + (i.kind === 'photo' ? i.bytesDone : 0), 0)} photo bytes sent`)

    // Start again on the same data folder.
    ctx.app = await startApp({ display: desk.x.display, dataDir: ctx.dataDir })
    ;({ page, errors: ctx.errors } = await openShell(desk.chrome.browser, ctx.app.url))
    ctx.page = page
    await page.keyboard.press('Control+4')
    const account = page.getByTestId('server-account')
    await account.waitFor()
    assert.ok((await account.textContent()).includes(`rina di ${ctx.link.url}`))
    await openUpload(page)
    // The batch's 5 articles and 15 photos all end on the server.
    const mine = new Set([...big.map((a) => a.id), ...ids])
    await until(
      'the batch done',
      async () => {
        const l = (await uiItems(page)).filter((i) => mine.has(i.id))
        if (l.some((i) => i.state === 'failed')) throw new Error(`an item failed: ${JSON.stringify(l)}`)
        return l.length === mine.size && l.every((i) => i.state === 'done' && /Di server/.test(i.text))
      },
      60000,
    )
    ctx.link.rate = 0

    for (const a of big) {
      const [st, srv] = await api('rina', 'GET', `/articles/${a.id}`)
      assert.equal(st, 200)
      assert.equal(srv.state, 'received', a.headline)
      assert.equal(srv.rev, 1)
      assert.equal(srv.photos.length, 3)
    }
    const shas = new Set((await items(page)).filter((i) => i.kind === 'photo' && ids.includes(i.localId)).map((i) => i.sha256))
    assert.equal(shas.size, N)
    for (const sha of shas) {
      const r = await fetch(`${ctx.server.url}/api/v1/photos/sha256/${sha}`, { method: 'HEAD', headers: { Authorization: `Bearer ${tokens.rina}` } })
      assert.equal(r.status, 200, `photo ${sha} on the server`)
      assert.equal(r.headers.get('photo-complete'), 'true')
    }
    assert.equal((await allChanges('rina')).length, 7)
    assert.deepEqual(ctx.errors, [])
  })

  test('a second server added in Settings: the upload goes to the one chosen, rows name their server, sign-out keeps the account', async () => {
    const second = await startServer()
    cleanups.push(async () => {
      await second.stop()
      removeDir(second.dir)
    })
    const page = ctx.page
    await page.keyboard.press('Control+4')
    await page.getByTestId('server-add').click()
    await page.getByTestId('server-url').fill(second.url)
    await page.getByTestId('server-user').fill('rina')
    await page.getByTestId('server-password').fill(USERS.rina.password)
    await page.getByTestId('server-signin-button').click()
    await until('two accounts', async () => (await page.getByTestId('server-account').count()) === 2)
    const accounts = await page.evaluate(() => window.go.bridge.Sync.Accounts())
    const acct2 = accounts.find((a) => a.url === second.url)
    assert.ok(acct2?.signedIn, JSON.stringify(accounts))

    const photo = (await page.evaluate(async () => (await window.go.bridge.Photos.List()) ?? []))[0]
    const art = await makeArticle(page, 'Liputan untuk kantor provinsi', [photo.id])
    await openUpload(page)
    const target = page.getByTestId('upload-target')
    await target.waitFor()
    await target.selectOption(acct2.id)
    await until('the second server chosen', async () => (await page.evaluate(() => window.go.bridge.Sync.Target())) === acct2.id)
    // The second server has none of the ready articles: all of them are offered for it.
    const forSecond = await page.evaluate(async (id) => ((await window.go.bridge.Sync.Ready(id)) ?? []).map((a) => a.id), acct2.id)
    assert.ok(forSecond.includes(art.id) && forSecond.length > 1, JSON.stringify(forSecond))
    await until(`${forSecond.length} ready for the second server`, async () => (await uploadAll(page).textContent()).includes(`(${forSecond.length} artikel siap)`))
    await uploadAll(page).click()
    await until('the article on the second server', async () => {
      const row = page.locator(`[data-testid=upload-item][data-id="${art.id}"][data-account="${acct2.id}"]`)
      return (await row.count()) === 1 && (await row.getAttribute('data-state')) === 'done' ? row : null
    }, 30000)
    const row = page.locator(`[data-testid=upload-item][data-id="${art.id}"]`)
    assert.equal(await row.count(), 1, 'sent to one server only')
    assert.ok((await row.textContent()).includes(new URL(second.url).host), 'the row names its server')

    // On the second server, received with its photo; the first never saw it.
    const login = await fetch(`${second.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'rina', password: USERS.rina.password, device: 'e2e' }),
    })
    const { token } = await login.json()
    const r = await fetch(`${second.url}/api/v1/articles/${art.id}`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(r.status, 200)
    const srv = await r.json()
    assert.equal(srv.state, 'received')
    assert.equal(srv.photos.length, 1)
    assert.equal((await api('rina', 'GET', `/articles/${art.id}`))[0], 404)
    // The choice is remembered.
    assert.equal(await page.evaluate(() => window.go.bridge.Sync.Target()), acct2.id)

    // Sign out of the second server: it stays listed, signed out.
    await page.keyboard.press('Control+4')
    const rowSecond = page.locator('[data-testid=server-account][data-signed-in=true]', { hasText: second.url })
    await rowSecond.getByTestId('server-signout').click()
    await until('signed out', async () => (await page.locator('[data-testid=server-account][data-signed-in=false]', { hasText: second.url }).count()) === 1)
    assert.equal((await page.evaluate(() => window.go.bridge.Sync.Accounts())).length, 2)
    assert.deepEqual(ctx.errors, [])
  })
})
