// Plain text and word counts from a TipTap/ProseMirror JSON document, on the
// frontend, for live counts and revision comparison. Go's articles package is
// the authority for stored counts and exports.

export interface PMNode {
  type: string
  text?: string
  attrs?: Record<string, unknown>
  content?: PMNode[]
}

const blocks = new Set(['paragraph', 'heading', 'blockquote', 'listItem', 'figure', 'bulletList', 'orderedList'])

/** docText returns the document's text, one block per line. */
export function docText(doc: PMNode | null | undefined): string {
  if (!doc) return ''
  const lines: string[] = []
  let line = ''
  const walk = (n: PMNode) => {
    if (n.type === 'text') line += n.text ?? ''
    else if (n.type === 'hardBreak') line += '\n'
    for (const c of n.content ?? []) walk(c)
    if (blocks.has(n.type) && line !== '') {
      lines.push(line)
      line = ''
    }
  }
  walk(doc)
  if (line) lines.push(line)
  return lines.join('\n')
}

/** countWords counts runs of letters or digits (Unicode-aware). */
export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu)?.length ?? 0
}
