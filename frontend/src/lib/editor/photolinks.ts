// Captions shared between a library photo and the figures showing it in
// articles. The photo library holds the caption; a linked figure shows the
// same text. Opening an article brings its figures up to date with the
// library, and editing a figure's caption writes it back to the photo (after
// a pause in typing), so "editing either updates both". A detached figure
// (linked=false) keeps its own text.
import type { Editor } from '@tiptap/core'
import type { Node as PMNode } from '@tiptap/pm/model'
import { api, type Photo } from '../api'
import { photoId } from './figure'

interface Linked {
  id: string
  pos: number
  node: PMNode
}

/** linkedFigures lists the figures showing a library photo with a linked caption. */
export function linkedFigures(doc: PMNode): Linked[] {
  const out: Linked[] = []
  doc.descendants((node, pos) => {
    if (node.type.name !== 'figure') return true
    const id = photoId(node.attrs.src)
    if (id && node.attrs.linked !== false) out.push({ id, pos, node })
    return false
  })
  return out
}

/**
 * pullCaptions sets each linked figure's caption to its photo's caption.
 * The change is not an undo step: the user did not make it here. It
 * returns whether anything changed.
 */
export function pullCaptions(editor: Editor, photos: Photo[]): boolean {
  const byId = new Map(photos.map((p) => [p.id, p]))
  const { state } = editor
  let tr = state.tr
  // From the end, so earlier positions stay valid.
  for (const f of linkedFigures(state.doc).reverse()) {
    const p = byId.get(f.id)
    if (!p || f.node.textContent === p.fields.caption) continue
    const content = p.fields.caption ? state.schema.text(p.fields.caption) : null
    tr = tr.replaceWith(f.pos + 1, f.pos + f.node.nodeSize - 1, content ? [content] : [])
    if (p.fields.altText && p.fields.altText !== f.node.attrs.alt) tr = tr.setNodeAttribute(f.pos, 'alt', p.fields.altText)
  }
  if (!tr.docChanged) return false
  editor.view.dispatch(tr.setMeta('addToHistory', false).setMeta('photoSync', true))
  return true
}

/** CaptionLink pushes edited figure captions to the photo library. */
export class CaptionLink {
  private known = new Map<string, string>() // photo id → caption as last seen in the library
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private editor: () => Editor | undefined,
    private onpushed: (photos: Photo[]) => void,
    private onerror: (err: unknown) => void,
    private delay = 800,
  ) {}

  /** load reads the article's photos and brings its figures up to date. */
  async load(): Promise<void> {
    const ed = this.editor()
    if (!ed) return
    const ids = [...new Set(linkedFigures(ed.state.doc).map((f) => f.id))]
    if (!ids.length) return
    const photos = await api.photos.get(ids)
    for (const p of photos) this.known.set(p.id, p.fields.caption)
    const cur = this.editor()
    if (cur) pullCaptions(cur, photos)
  }

  /** remember records a photo's caption as the library has it (after an insert). */
  remember(p: Photo): void {
    this.known.set(p.id, p.fields.caption)
  }

  /** changed is called on every edit; it pushes after a pause. */
  changed(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.flush(), this.delay)
  }

  /** flush pushes every linked caption that differs from the library's now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    const ed = this.editor()
    if (!ed) return
    const edits = new Map<string, string>()
    for (const f of linkedFigures(ed.state.doc)) {
      const text = f.node.textContent
      if (this.known.has(f.id) && this.known.get(f.id) !== text) edits.set(f.id, text)
    }
    const pushed: Photo[] = []
    for (const [id, caption] of edits) {
      try {
        pushed.push(...(await api.photos.apply([id], [{ field: 'caption', mode: 'replace', text: caption }])))
        this.known.set(id, caption)
      } catch (err) {
        this.onerror(err)
      }
    }
    if (pushed.length) this.onpushed(pushed)
  }

  dispose(): void {
    clearTimeout(this.timer)
  }
}
