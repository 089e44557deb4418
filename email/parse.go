package email

import (
	"bytes"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset golang.org/x/text knows
	"github.com/emersion/go-message/mail"
	"github.com/wardsec/ward"
)

// Parse reads a raw message. It never returns nil and never panics; what it
// could not read is listed in Problems (a non-empty list means the message is flagged).
func Parse(raw []byte) *Message {
	p := &parser{m: &Message{Size: len(raw)}}
	p.read(raw)
	p.finish()
	return p.m
}

// parser holds what one call of Parse has seen so far.
type parser struct {
	m        *Message
	problems map[string]bool
	dropped  int // problems not listed once maxProblems were

	parts       int  // entities looked at
	partsNoted  bool // "more than maxParts" was said
	depthNoted  bool // "nesting deeper than maxDepth" was said
	textFound   bool // the first text/plain body was taken (even if blank)
	htmlFound   bool
	copyBuf     []byte // shared by every attachment that is counted
	innerHeader []byte // shared by every message/rfc822 part, for the start of its header
}

// problem lists a problem once. Problems are built from what the message says,
// so they are cleaned like any other text of it.
func (p *parser) problem(format string, args ...any) {
	if len(p.m.Problems) >= maxProblems {
		p.dropped++ // duplicates included: remembering them all would cost memory
		return
	}
	s, _ := cleanLine(fmt.Sprintf(format, args...))
	s = ward.Truncate(s, 300)
	if p.problems[s] {
		return
	}
	if p.problems == nil {
		p.problems = make(map[string]bool)
	}
	p.problems[s] = true
	p.m.Problems = append(p.m.Problems, s)
}

// read fills p.m from raw. A panic is a bug in this package or in a library
// under it; it is turned into a problem so that one bad message cannot stop
// whatever is reading mail. FuzzParse treats such a problem as a failure.
func (p *parser) read(raw []byte) {
	defer func() {
		if r := recover(); r != nil {
			p.problem("internal error: %v", r)
		}
	}()
	if len(bytes.TrimSpace(raw)) == 0 {
		p.problem("empty message")
		return
	}
	hb := readHeader(skipMboxLine(raw))
	if !hb.found {
		p.problem("no header: the whole message is kept as text")
		text, cut := raw, len(raw) > maxText
		if cut {
			text = text[:maxText]
		}
		p.m.Text = p.cutText(strings.ToValidUTF8(string(text), "\uFFFD"), "", cut)
		return
	}
	for _, s := range hb.problems {
		p.problem("%s", s)
	}
	p.headers(hb.header)
	p.entity(hb.header, hb.body, "", 0)
}

// skipMboxLine drops the "From sender date" line that mbox files and some
// delivery agents put before the header; it is an envelope, not a field.
func skipMboxLine(raw []byte) []byte {
	line, rest, _ := bytes.Cut(raw, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("From ")) || isFieldLine(line) {
		return raw
	}
	return rest
}

// headers reads the top-level fields.
func (p *parser) headers(h message.Header) {
	m := p.m
	m.Subject = p.decodeWords(headerText(h, "Subject"))

	if !h.Has("From") {
		p.problem("From: missing")
	} else if from := p.addressText(h, "From"); strings.TrimSpace(from) == "" {
		p.problem("From: empty")
	} else {
		list, err := p.addressList(from)
		switch {
		case err != nil:
			p.problem("From: cannot be read: %v", err)
		case len(list) == 0:
			p.problem("From: no address")
		default:
			m.From = list[0]
		}
		if m.From.Addr == "" {
			m.From.Name = p.decodeWords(strings.TrimSpace(from))
		}
	}
	m.ReplyTo = p.addresses(h, "Reply-To")
	m.To = p.addresses(h, "To")
	m.Cc = p.addresses(h, "Cc")

	m.MessageID = p.messageID(h)
	if ids := p.msgIDs(h, "In-Reply-To"); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = p.msgIDs(h, "References")
	if len(m.References) > maxIDs {
		p.problem("References: more than %d ids, the middle ones dropped", maxIDs)
		m.References = append(m.References[:1], m.References[len(m.References)-maxIDs+1:]...)
	}

	if h.Has("Return-Path") {
		m.ReturnPath = returnPath(h.Get("Return-Path"))
	}
	if h.Get("Date") != "" {
		mh := mail.Header{Header: h}
		date, err := mh.Date()
		if err != nil {
			p.problem("Date: cannot be read: %q", ward.Truncate(h.Get("Date"), 80))
		} else {
			m.Date = date
		}
	}
	m.Auto = auto(h, m.From, m.ReturnPath)
}

// entity reads one MIME entity: h is its header and body its content as it is
// in raw (multipart bodies are never transfer-encoded, so every entity the
// walk reaches is a slice of the input).
func (p *parser) entity(h message.Header, body []byte, path string, depth int) {
	p.parts++
	prefix := partPrefix(path)
	ct, ok := contentType(headerText(h, "Content-Type"))
	if !ok {
		p.problem("%sContent-Type %q cannot be read, taken as %s", prefix, ward.Truncate(headerText(h, "Content-Type"), 80), ct.value)
	} else if ct.lenient {
		p.problem("%sContent-Type: malformed parameters, read leniently", prefix)
	}
	if strings.HasPrefix(ct.value, "multipart/") {
		p.multipart(ct, body, path, depth)
		return
	}
	p.leaf(h, ct, body, prefix)
}

// partPrefix names a part in problems the way IMAP numbers it: "part 2.1: ".
// The top-level entity has no prefix.
func partPrefix(path string) string {
	if path == "" {
		return ""
	}
	return "part " + path + ": "
}

func (p *parser) multipart(ct params, body []byte, path string, depth int) {
	prefix := partPrefix(path)
	if depth >= maxDepth {
		if !p.depthNoted {
			p.depthNoted = true
			p.problem("nesting deeper than %d parts: rest kept raw", maxDepth)
		}
		p.attach(Attachment{ContentType: ct.value, Size: int64(len(body))})
		return
	}
	boundary := ct.params["boundary"]
	if boundary == "" {
		p.problem("%sMIME: multipart without a boundary, body kept as text", prefix)
		p.fallbackText(body, prefix)
		return
	}
	sp := splitMultipart(body, boundary, maxParts-p.parts+1)
	switch {
	case !sp.found:
		p.problem("%sMIME: boundary not found, body kept as text", prefix)
		p.fallbackText(body, prefix)
		return
	case len(sp.parts) == 0:
		p.problem("%sMIME: multipart without parts", prefix)
	case !sp.closed && !sp.more:
		p.problem("%sMIME: closing boundary missing", prefix)
	}
	for i, part := range sp.parts {
		if p.parts >= maxParts {
			if !p.partsNoted {
				p.partsNoted = true
				p.problem("more than %d parts: rest not read", maxParts)
			}
			return
		}
		child := strconv.Itoa(i + 1)
		if path != "" {
			child = path + "." + child
		}
		hb := readHeader(part)
		for _, s := range hb.problems {
			p.problem("%s%s", partPrefix(child), s)
		}
		p.entity(hb.header, hb.body, child, depth+1)
	}
}

// fallbackText keeps the content of a multipart that could not be split as
// the message's text, so that what a reporter wrote is not lost to a broken
// boundary.
func (p *parser) fallbackText(body []byte, prefix string) {
	if p.textFound {
		return
	}
	p.textFound = true
	text, cut := body, len(body) > maxText
	if cut {
		text = text[:maxText]
	}
	p.m.Text = p.cutText(p.utf8Text(text, "", prefix), prefix, cut)
}

// leaf sorts a part that is not a multipart into Text, HTML or Attachments.
func (p *parser) leaf(h message.Header, ct params, body []byte, prefix string) {
	disp, ok := disposition(headerText(h, "Content-Disposition"))
	if !ok {
		p.problem("%sContent-Disposition cannot be read", prefix)
	}
	name := p.filename(disp.params["filename"], prefix)
	if name == "" {
		name = p.filename(ct.params["name"], prefix)
	}
	cte := transferEncoding(h.Get("Content-Transfer-Encoding"))

	switch {
	case ct.value == "message/rfc822" || ct.value == "message/global":
		p.innerMessage(ct.value, name, cte, body, prefix)
		return
	case disp.value == "attachment":
	case ct.value == "text/plain" && !p.textFound:
		p.textFound = true
		p.m.Text = p.readText(ct, cte, body, prefix)
		return
	case ct.value == "text/html" && !p.htmlFound:
		p.htmlFound = true
		p.m.HTML = p.readText(ct, cte, body, prefix)
		return
	}
	p.attach(Attachment{Filename: name, ContentType: ct.value, Size: p.count(ct.value, cte, body, prefix)})
}

func (p *parser) attach(a Attachment) {
	p.m.Attachments = append(p.m.Attachments, a)
}

// filename makes a file name given by a part safe to show and to save under:
// encoded words decoded, directories dropped, at most maxFilename bytes.
func (p *parser) filename(v, prefix string) string {
	name := strings.TrimSpace(p.decodeWords(v))
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name, changed := cleanLine(name)
	if changed {
		p.problem("%scontrol characters removed from a file name", prefix)
	}
	name = strings.TrimSpace(ward.Truncate(name, maxFilename))
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// transferEncoding normalises a Content-Transfer-Encoding value as mailers
// write it in the wild: any case, quoted, with trailing comments.
func transferEncoding(v string) string {
	v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`))
	if i := strings.IndexAny(v, " \t;("); i >= 0 {
		v = v[:i]
	}
	return v
}

// decoder returns the decoded content of a leaf part. go-message does the
// transfer decoding and charset conversion; it is given a header holding only
// what this package has already parsed leniently, because go-message drops all
// parameters when one of them is malformed.
func (p *parser) decoder(mediaType, charset, cte string, body []byte, prefix string) *message.Entity {
	var h message.Header
	ct := mediaType
	if charset != "" {
		if f := mime.FormatMediaType(mediaType, map[string]string{"charset": charset}); f != "" {
			ct = f
		}
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Transfer-Encoding", cte)
	e, err := message.New(h, bytes.NewReader(body))
	if message.IsUnknownCharset(err) {
		p.problem("%scharset %s: not known, shown as received", prefix, ward.Truncate(charset, 40))
	}
	// Checked here rather than with IsUnknownEncoding: when both are unknown,
	// go-message reports only the charset.
	if !knownTransferEncoding(cte) {
		p.problem("%stransfer encoding %s: not known, kept as received", prefix, ward.Truncate(cte, 40))
	}
	return e
}

func knownTransferEncoding(cte string) bool {
	switch cte {
	case "", "7bit", "8bit", "binary", "base64", "quoted-printable":
		return true
	}
	return false
}
