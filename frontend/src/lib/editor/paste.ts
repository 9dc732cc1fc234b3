// Clean-up of pasted HTML before ProseMirror parses it through the schema.
// The schema already drops what it has no node or mark for; this pass removes
// what would otherwise turn into junk content, and the dangerous elements
// outright so not even their text survives.

const dropWithContent = 'script, style, template, noscript, iframe, object, embed, svg, math, form, meta, link, title, head'
const blockTags = new Set(['P', 'DIV', 'UL', 'OL', 'LI', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'FIGURE', 'TABLE', 'PRE'])

/** cleanPastedHTML drops dangerous elements and layout-only line breaks. */
export function cleanPastedHTML(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  doc.querySelectorAll(dropWithContent).forEach((el) => el.remove())
  // Google Docs and Word put <br> between blocks for spacing, and browsers add
  // br.Apple-interchange-newline at the end: they are not line breaks in text.
  doc.querySelectorAll('br').forEach((br) => {
    const parent = br.parentElement
    const spacer =
      br.classList.contains('Apple-interchange-newline') ||
      (parent !== null && [...parent.children].some((c) => blockTags.has(c.tagName)))
    if (spacer) br.remove()
  })
  // Pasted quotes and lists nested absurdly deep (hostile or broken HTML)
  // are flattened: the article keeps the text, not the nesting.
  flatten(doc.body, 'BLOCKQUOTE', 3)
  flatten(doc.body, 'UL', 6)
  flatten(doc.body, 'OL', 6)
  // Comments (Word's conditional comments, StartFragment markers) carry nothing.
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_COMMENT)
  const comments: Node[] = []
  while (walker.nextNode()) comments.push(walker.currentNode)
  comments.forEach((c) => c.parentNode?.removeChild(c))
  return doc.body.innerHTML
}

/** flatten unwraps elements named tag nested more than max deep. */
function flatten(root: Element, tag: string, max: number): void {
  const walk = (el: Element, depth: number) => {
    for (const child of [...el.children]) {
      if (child.tagName === tag && depth >= max) {
        child.replaceWith(...child.childNodes)
        walk(el, depth) // its children now sit here
        return
      }
      walk(child, child.tagName === tag ? depth + 1 : depth)
    }
  }
  walk(root, 0)
}
