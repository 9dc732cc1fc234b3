package jpegmeta

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// xmpHeader starts an APP1 segment holding an XMP packet (XMP Part 3,
// 1.1.3.1 "JPEG").
var xmpHeader = []byte("http://ns.adobe.com/xap/1.0/\x00")

// maxXMPPacket is the largest packet one APP1 segment holds: 65535 minus
// the length field and the 29-byte header (XMP Part 3 says 65,502 to leave
// room; we keep to that).
const maxXMPPacket = 65502

// Namespaces (XMP Part 1 and 2; IPTC Photo Metadata Standard).
const (
	nsRDF       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsXML       = "http://www.w3.org/XML/1998/namespace"
	nsX         = "adobe:ns:meta/"
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsPhotoshop = "http://ns.adobe.com/photoshop/1.0/"
	nsIptcCore  = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
)

// preferredPrefix is used when a namespace has to be declared.
var preferredPrefix = map[string]string{
	nsRDF: "rdf", nsX: "x", nsDC: "dc", nsPhotoshop: "photoshop", nsIptcCore: "Iptc4xmpCore",
}

// node is a generic XML element. children holds *node, xml.CharData,
// xml.Comment, xml.ProcInst and xml.Directive values, in document order.
// Names carry namespace URIs (as encoding/xml resolves them); the original
// xmlns attributes are kept so that prefixes are written back unchanged.
type node struct {
	name     xml.Name
	attr     []xml.Attr
	children []any
}

// parseXML reads a whole XMP packet into a synthetic root node whose
// children are the top-level tokens (xpacket PIs, x:xmpmeta, whitespace).
func parseXML(b []byte) (*node, error) {
	b = bytes.TrimRight(b, "\x00") // some writers pad the segment with NULs
	dec := xml.NewDecoder(bytes.NewReader(b))
	root := &node{}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: XMP: %v", ErrMalformed, err)
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, attr: append([]xml.Attr(nil), t.Attr...)}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		default:
			top.children = append(top.children, xml.CopyToken(tok))
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("%w: XMP: unclosed element", ErrMalformed)
	}
	return root, nil
}

// scope maps namespace URIs to prefixes while serialising.
type scope struct {
	parent *scope
	prefix map[string]string // uri -> prefix
	def    string            // default namespace URI
	hasDef bool
}

func (s *scope) lookup(uri string) (string, bool) {
	for ; s != nil; s = s.parent {
		if p, ok := s.prefix[uri]; ok {
			return p, true
		}
	}
	return "", false
}

func (s *scope) defaultNS() string {
	for ; s != nil; s = s.parent {
		if s.hasDef {
			return s.def
		}
	}
	return ""
}

// serialize writes the tree back as XML. It writes names with the prefixes
// declared in the document, so unknown namespaces survive unchanged.
func serialize(root *node) []byte {
	var b bytes.Buffer
	for _, c := range root.children {
		writeNode(&b, c, nil)
	}
	return b.Bytes()
}

func writeNode(b *bytes.Buffer, c any, sc *scope) {
	switch t := c.(type) {
	case *node:
		s := &scope{parent: sc, prefix: map[string]string{}}
		for _, a := range t.attr {
			switch {
			case a.Name.Space == "xmlns":
				s.prefix[a.Value] = a.Name.Local
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				s.def, s.hasDef = a.Value, true
			}
		}
		name := elemName(t.name, s)
		b.WriteByte('<')
		b.WriteString(name)
		for _, a := range t.attr {
			b.WriteByte(' ')
			b.WriteString(attrName(a.Name, s))
			b.WriteString(`="`)
			escape(b, a.Value, true)
			b.WriteByte('"')
		}
		if len(t.children) == 0 {
			b.WriteString("/>")
			return
		}
		b.WriteByte('>')
		for _, k := range t.children {
			writeNode(b, k, s)
		}
		b.WriteString("</")
		b.WriteString(name)
		b.WriteByte('>')
	case xml.CharData:
		escape(b, string(t), false)
	case xml.Comment:
		b.WriteString("<!--")
		b.Write(t)
		b.WriteString("-->")
	case xml.ProcInst:
		b.WriteString("<?")
		b.WriteString(t.Target)
		if len(t.Inst) > 0 {
			b.WriteByte(' ')
			b.Write(t.Inst)
		}
		b.WriteString("?>")
	case xml.Directive:
		b.WriteString("<!")
		b.Write(t)
		b.WriteByte('>')
	}
}

func elemName(n xml.Name, s *scope) string {
	if n.Space == "" {
		return n.Local
	}
	if s.defaultNS() == n.Space {
		return n.Local
	}
	if p, ok := s.lookup(n.Space); ok {
		return p + ":" + n.Local
	}
	return n.Space + ":" + n.Local // undeclared prefix, kept as written
}

func attrName(n xml.Name, s *scope) string {
	switch {
	case n.Space == "xmlns":
		return "xmlns:" + n.Local
	case n.Space == "":
		return n.Local
	case n.Space == nsXML:
		return "xml:" + n.Local
	}
	if p, ok := s.lookup(n.Space); ok {
		return p + ":" + n.Local
	}
	return n.Space + ":" + n.Local
}

func escape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if attr {
				b.WriteString("&quot;")
			} else {
				b.WriteRune(r)
			}
		case '\r':
			// A literal CR would be normalised away by any XML parser
			// (XML 1.0, 2.11 End-of-Line Handling).
			b.WriteString("&#xD;")
		case '\n', '\t':
			if attr {
				fmt.Fprintf(b, "&#x%X;", r)
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
}

// find returns the first element with the given name, depth first.
func (n *node) find(space, local string) *node {
	for _, c := range n.children {
		if k, ok := c.(*node); ok {
			if k.name.Space == space && k.name.Local == local {
				return k
			}
			if f := k.find(space, local); f != nil {
				return f
			}
		}
	}
	return nil
}

// child returns the first direct child element with the given name.
func (n *node) child(space, local string) *node {
	for _, k := range n.elems() {
		if k.name.Space == space && k.name.Local == local {
			return k
		}
	}
	return nil
}

func (n *node) elems() []*node {
	var out []*node
	for _, c := range n.children {
		if k, ok := c.(*node); ok {
			out = append(out, k)
		}
	}
	return out
}

func (n *node) text() string {
	var s strings.Builder
	for _, c := range n.children {
		if t, ok := c.(xml.CharData); ok {
			s.Write(t)
		}
	}
	return s.String()
}

func (n *node) attrValue(space, local string) (string, bool) {
	for _, a := range n.attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// descriptions returns the rdf:Description elements of the packet's rdf:RDF.
// Old packets (XMP toolkit 2.x) write "about" without the rdf prefix; that
// does not matter here.
func descriptions(root *node) []*node {
	rdf := root.find(nsRDF, "RDF")
	if rdf == nil {
		return nil
	}
	var out []*node
	for _, k := range rdf.elems() {
		if k.name.Space == nsRDF && k.name.Local == "Description" {
			out = append(out, k)
		}
	}
	return out
}

// xmpKind is the shape of a managed property (XMP Part 1, 8.2.2).
type xmpKind int

const (
	kindText xmpKind = iota // simple value
	kindAlt                 // rdf:Alt with xml:lang items, x-default first
	kindSeq                 // ordered array
	kindBag                 // unordered array
)

type xmpProp struct {
	space, local string
	kind         xmpKind
	get          func(*Fields) []string
	set          func(*Fields, []string)
}

func xmpStr(space, local string, kind xmpKind, p func(*Fields) *string) xmpProp {
	g, s := str(p)
	return xmpProp{space: space, local: local, kind: kind, get: g, set: s}
}

// xmpProps are the properties Write manages; all other XMP is kept.
var xmpProps = []xmpProp{
	xmpStr(nsDC, "description", kindAlt, func(f *Fields) *string { return &f.Caption }),
	xmpStr(nsDC, "title", kindAlt, func(f *Fields) *string { return &f.Title }),
	{space: nsDC, local: "creator", kind: kindSeq, get: func(f *Fields) []string { return f.Creator }, set: func(f *Fields, v []string) { f.Creator = v }},
	xmpStr(nsDC, "rights", kindAlt, func(f *Fields) *string { return &f.Copyright }),
	{space: nsDC, local: "subject", kind: kindBag, get: func(f *Fields) []string { return f.Keywords }, set: func(f *Fields, v []string) { f.Keywords = v }},
	xmpStr(nsPhotoshop, "Headline", kindText, func(f *Fields) *string { return &f.Headline }),
	xmpStr(nsPhotoshop, "AuthorsPosition", kindText, func(f *Fields) *string { return &f.CreatorTitle }),
	xmpStr(nsPhotoshop, "Credit", kindText, func(f *Fields) *string { return &f.Credit }),
	xmpStr(nsPhotoshop, "Source", kindText, func(f *Fields) *string { return &f.Source }),
	xmpStr(nsPhotoshop, "City", kindText, func(f *Fields) *string { return &f.City }),
	xmpStr(nsPhotoshop, "State", kindText, func(f *Fields) *string { return &f.Province }),
	xmpStr(nsPhotoshop, "Country", kindText, func(f *Fields) *string { return &f.Country }),
	xmpStr(nsPhotoshop, "DateCreated", kindText, func(f *Fields) *string { return &f.DateCreated }),
	xmpStr(nsPhotoshop, "TransmissionReference", kindText, func(f *Fields) *string { return &f.JobID }),
	xmpStr(nsPhotoshop, "CaptionWriter", kindText, func(f *Fields) *string { return &f.CaptionWriter }),
	xmpStr(nsPhotoshop, "Instructions", kindText, func(f *Fields) *string { return &f.Instructions }),
	xmpStr(nsIptcCore, "AltTextAccessibility", kindAlt, func(f *Fields) *string { return &f.AltText }),
	xmpStr(nsIptcCore, "Location", kindText, func(f *Fields) *string { return &f.SubLocation }),
	xmpStr(nsIptcCore, "CountryCode", kindText, func(f *Fields) *string { return &f.CountryCode }),
}

// propValues reads a property element: the x-default (else first) item of
// an Alt, the items of a Seq/Bag, or the text of a simple value.
func propValues(e *node) []string {
	for _, k := range e.elems() {
		if k.name.Space != nsRDF {
			continue
		}
		switch k.name.Local {
		case "Alt":
			var firstVal string
			for i, li := range k.elems() {
				if lang, _ := li.attrValue(nsXML, "lang"); lang == "x-default" {
					return one(li.text())
				}
				if i == 0 {
					firstVal = li.text()
				}
			}
			return one(firstVal)
		case "Seq", "Bag":
			var out []string
			for _, li := range k.elems() {
				if t := li.text(); t != "" {
					out = append(out, t)
				}
			}
			return out
		}
	}
	if len(e.elems()) > 0 {
		return nil // a struct or other shape we do not manage
	}
	return one(e.text())
}

// readXMP returns the managed fields found in a packet.
func readXMP(root *node) Fields {
	var f Fields
	for _, p := range xmpProps {
		for _, d := range descriptions(root) {
			if v, ok := d.attrValue(p.space, p.local); ok {
				p.set(&f, one(v))
				break
			}
			if e := d.child(p.space, p.local); e != nil {
				p.set(&f, propValues(e))
				break
			}
		}
	}
	return f
}

// emptyPacket is the starting point when a file has no XMP (XMP Part 1,
// 7.3 packet wrapper; the id is the fixed one the spec gives).
const emptyPacket = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" +
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n" +
	" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n" +
	"  <rdf:Description rdf:about=\"\">\n" +
	"  </rdf:Description>\n" +
	" </rdf:RDF>\n" +
	"</x:xmpmeta>\n" +
	"<?xpacket end=\"w\"?>"

// updateXMP sets the managed properties of the packet (nil: a new packet)
// to f and returns the new packet. Everything else in it is kept.
func updateXMP(packet []byte, f Fields) ([]byte, error) {
	if packet == nil {
		packet = []byte(emptyPacket)
	}
	root, err := parseXML(packet)
	if err != nil {
		return nil, err
	}
	descs := descriptions(root)
	if len(descs) == 0 {
		return nil, fmt.Errorf("%w: XMP packet has no rdf:RDF/rdf:Description", ErrMalformed)
	}
	target := descs[0]
	for _, p := range xmpProps {
		vals := p.get(&f)
		var existing *node
		for _, d := range descs {
			removeAttr(d, p.space, p.local)
			for _, e := range d.elems() {
				if e.name.Space == p.space && e.name.Local == p.local {
					if existing == nil {
						existing = e
					} else {
						removeChild(d, e)
					}
				}
			}
		}
		if len(vals) == 0 {
			if existing != nil {
				for _, d := range descs {
					removeChild(d, existing)
				}
			}
			continue
		}
		if existing == nil {
			declare(target, p.space)
			existing = &node{name: xml.Name{Space: p.space, Local: p.local}}
			insertProp(target, existing)
		}
		fillProp(existing, p.kind, vals)
	}
	out := serialize(root)
	if len(out) > maxXMPPacket {
		out = trimPadding(out)
	}
	if len(out) > maxXMPPacket {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrXMPTooLarge, len(out), maxXMPPacket)
	}
	return out, nil
}

// trimPadding drops the whitespace padding before <?xpacket end (XMP Part 1
// 7.3.3 lets writers change the padding).
func trimPadding(b []byte) []byte {
	i := bytes.LastIndex(b, []byte("<?xpacket end"))
	if i < 0 {
		return b
	}
	j := len(bytes.TrimRight(b[:i], " \t\r\n"))
	return append(append(b[:j:j], '\n'), b[i:]...)
}

func removeAttr(n *node, space, local string) {
	out := n.attr[:0]
	for _, a := range n.attr {
		if !(a.Name.Space == space && a.Name.Local == local) {
			out = append(out, a)
		}
	}
	n.attr = out
}

// removeChild removes e and the whitespace just before it.
func removeChild(n *node, e *node) {
	for i, c := range n.children {
		if c == any(e) {
			start := i
			if i > 0 {
				if t, ok := n.children[i-1].(xml.CharData); ok && len(bytes.TrimSpace(t)) == 0 {
					start = i - 1
				}
			}
			n.children = append(n.children[:start], n.children[i+1:]...)
			return
		}
	}
}

// declare adds xmlns:prefix for space to d unless d already declares it (we
// do not look at ancestors, which is always valid XML).
func declare(d *node, space string) {
	for _, a := range d.attr {
		if a.Name.Space == "xmlns" && a.Value == space {
			return
		}
	}
	prefix := preferredPrefix[space]
	// Avoid clashing with a prefix the element already binds differently.
	for taken := true; taken; {
		taken = false
		for _, a := range d.attr {
			if a.Name.Space == "xmlns" && a.Name.Local == prefix {
				taken = true
				prefix += "1"
			}
		}
	}
	d.attr = append(d.attr, xml.Attr{Name: xml.Name{Space: "xmlns", Local: prefix}, Value: space})
}

// insertProp adds a property element as the last child of d, before d's
// closing whitespace, on its own indented line.
func insertProp(d *node, e *node) {
	end := len(d.children)
	if end > 0 {
		if t, ok := d.children[end-1].(xml.CharData); ok && len(bytes.TrimSpace(t)) == 0 {
			end--
		}
	}
	rest := append([]any{xml.CharData("\n   "), e}, d.children[end:]...)
	d.children = append(d.children[:end:end], rest...)
}

func textNode(space, local string, attr []xml.Attr, text string) *node {
	n := &node{name: xml.Name{Space: space, Local: local}, attr: attr}
	if text != "" {
		n.children = []any{xml.CharData(text)}
	}
	return n
}

// fillProp replaces the content of a property element. For an Alt, items in
// other languages are kept unless they repeated the old x-default text
// (then they get the new text, as MWG advises for a changed description).
func fillProp(e *node, kind xmpKind, vals []string) {
	e.attr = filterAttrs(e.attr)
	if kind == kindText {
		e.children = []any{xml.CharData(vals[0])}
		return
	}
	ind := func(n int) xml.CharData { return xml.CharData("\n" + strings.Repeat(" ", n)) }
	var items []*node
	switch kind {
	case kindAlt:
		lang := func(l string) []xml.Attr { return []xml.Attr{{Name: xml.Name{Space: nsXML, Local: "lang"}, Value: l}} }
		items = append(items, textNode(nsRDF, "li", lang("x-default"), vals[0]))
		var old []*node
		oldDefault, hasDefault := "", false
		for _, k := range e.elems() {
			if k.name.Space == nsRDF && k.name.Local == "Alt" {
				for _, li := range k.elems() {
					if l, _ := li.attrValue(nsXML, "lang"); l == "x-default" {
						oldDefault, hasDefault = li.text(), true
					} else {
						old = append(old, li)
					}
				}
			}
		}
		for _, li := range old {
			l, ok := li.attrValue(nsXML, "lang")
			if !ok {
				continue
			}
			t := li.text()
			if hasDefault && t == oldDefault {
				t = vals[0]
			}
			items = append(items, textNode(nsRDF, "li", lang(l), t))
		}
	default:
		for _, v := range vals {
			items = append(items, textNode(nsRDF, "li", nil, v))
		}
	}
	arrName := map[xmpKind]string{kindAlt: "Alt", kindSeq: "Seq", kindBag: "Bag"}[kind]
	arr := &node{name: xml.Name{Space: nsRDF, Local: arrName}}
	for _, it := range items {
		arr.children = append(arr.children, ind(5), it)
	}
	arr.children = append(arr.children, ind(4))
	e.children = []any{ind(4), arr, ind(3)}
}

// filterAttrs keeps only namespace declarations on a property element we
// rewrite (rdf:parseType and the like would contradict the new content).
func filterAttrs(attrs []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			out = append(out, a)
		}
	}
	return out
}
