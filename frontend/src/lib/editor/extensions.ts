// The editor's schema. It is also the paste sanitiser: ProseMirror parses
// pasted HTML through these node and mark types, so markup outside them
// (scripts, styles, event handlers, fonts, tables, remote images) is dropped.
import type { Extensions } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { Placeholder } from '@tiptap/extensions'
import { Figure } from './figure'

const allowedLink = /^(https?:|mailto:)/i

/** isAllowedLink permits web and mail links only: never javascript:, data: or file:. */
export function isAllowedLink(href: string): boolean {
  return allowedLink.test(href.trim())
}

export function extensions(placeholder: () => string): Extensions {
  return [
    StarterKit.configure({
      heading: { levels: [2, 3] },
      code: false,
      codeBlock: false,
      horizontalRule: false,
      strike: false,
      underline: false,
      link: {
        openOnClick: false,
        autolink: true,
        linkOnPaste: true,
        defaultProtocol: 'https',
        protocols: ['http', 'https', 'mailto'],
        isAllowedUri: (url) => isAllowedLink(url),
        HTMLAttributes: { rel: 'noopener noreferrer', target: null },
      },
    }),
    Figure,
    Placeholder.configure({ placeholder }),
  ]
}
