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

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    figure: {
      /** insertFigure adds a figure with an empty caption at the selection. */
      insertFigure: (attrs?: { src?: string | null; alt?: string }) => ReturnType
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
          const src = el.querySelector('img')?.getAttribute('src')
          return isLocalImage(src) ? src : null
        },
        renderHTML: () => ({}),
      },
      alt: {
        default: '',
        parseHTML: (el) => el.querySelector('img')?.getAttribute('alt') ?? '',
        renderHTML: () => ({}),
      },
    }
  },

  parseHTML() {
    return [{ tag: 'figure', contentElement: 'figcaption' }]
  },

  renderHTML({ node, HTMLAttributes }) {
    const img = isLocalImage(node.attrs.src)
      ? ['img', { src: node.attrs.src, alt: node.attrs.alt, draggable: 'false' }]
      : ['div', { class: 'figure-placeholder', contenteditable: 'false' }]
    return ['figure', mergeAttributes(HTMLAttributes, { 'data-type': 'figure' }), img, ['figcaption', 0]]
  },

  addCommands() {
    return {
      insertFigure:
        (attrs = {}) =>
        ({ commands }) =>
          commands.insertContent({ type: this.name, attrs: { src: attrs.src ?? null, alt: attrs.alt ?? '' } }),
    }
  },
})
