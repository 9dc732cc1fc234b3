// The figure node: an image and its editable caption, as photo desks write
// them ("… Rabu (21/8/2019). (Foto: Masran Rauf)"). The caption is the node's
// inline content; the image is an attribute. Only local images are allowed:
// pasted remote images would make the webview fetch from the network, so a
// figure from a paste keeps its caption and loses a remote src.
import { mergeAttributes, Node } from '@tiptap/core'

/** isLocalImage accepts inline data images and Warta's own photo references. */
export function isLocalImage(src: unknown): src is string {
  return (
    typeof src === 'string' &&
    (/^data:image\/(png|jpeg|webp);base64,[a-z0-9+/=\s]+$/i.test(src) || /^warta-photo:[a-z0-9-]+$/i.test(src))
  )
}

/** photoId is the library photo a figure shows, or null. */
export function photoId(src: unknown): string | null {
  const m = typeof src === 'string' ? /^warta-photo:([a-z0-9]+)$/i.exec(src) : null
  return m ? m[1] : null
}

/** displaySrc is what the <img> loads: library photos come from Go's file handler. */
export function displaySrc(src: string): string {
  const id = photoId(src)
  return id ? `/photo/${id}/web` : src
}

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    figure: {
      /** insertFigure adds a figure at the selection, with a caption if given. */
      insertFigure: (attrs?: { src?: string | null; alt?: string; caption?: string }) => ReturnType
      /** setFigureLinked links or detaches the caption of the figure at the selection. */
      setFigureLinked: (linked: boolean) => ReturnType
    }
  }
}

export const Figure = Node.create({
  name: 'figure',
  group: 'block',
  content: 'text*',
  marks: 'italic',
  draggable: true,
  isolating: true,
  defining: true,

  addAttributes() {
    return {
      src: {
        default: null,
        parseHTML: (el) => {
          const img = el.querySelector('img')
          const src = img?.getAttribute('data-src') ?? img?.getAttribute('src')
          return isLocalImage(src) ? src : null
        },
        renderHTML: () => ({}),
      },
      alt: {
        default: '',
        parseHTML: (el) => el.querySelector('img')?.getAttribute('alt') ?? '',
        renderHTML: () => ({}),
      },
      // A library photo's caption and the figure's stay the same text
      // (editing either changes both) unless the user detaches them.
      linked: {
        default: true,
        parseHTML: (el) => el.getAttribute('data-linked') !== 'false',
        renderHTML: () => ({}),
      },
    }
  },

  parseHTML() {
    return [{ tag: 'figure', contentElement: 'figcaption' }]
  },

  renderHTML({ node, HTMLAttributes }) {
    const src = node.attrs.src
    const img = isLocalImage(src)
      ? ['img', { src: displaySrc(src), 'data-src': src, alt: node.attrs.alt, draggable: 'false' }]
      : ['div', { class: 'figure-placeholder', contenteditable: 'false' }]
    const attrs: Record<string, string> = { 'data-type': 'figure' }
    if (photoId(src)) attrs['data-linked'] = String(node.attrs.linked !== false)
    return ['figure', mergeAttributes(HTMLAttributes, attrs), img, ['figcaption', 0]]
  },

  addCommands() {
    return {
      insertFigure:
        (attrs = {}) =>
        ({ commands }) =>
          commands.insertContent({
            type: this.name,
            attrs: { src: attrs.src ?? null, alt: attrs.alt ?? '' },
            content: attrs.caption ? [{ type: 'text', text: attrs.caption }] : [],
          }),
      setFigureLinked:
        (linked) =>
        ({ commands }) =>
          commands.updateAttributes(this.name, { linked }),
    }
  },
})
