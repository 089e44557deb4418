package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"github.com/wardsec/ward"
	"golang.org/x/text/encoding/charmap"
)

// headerBlock is a header read from the start of a message or part.
type headerBlock struct {
	header   message.Header
	body     []byte   // what follows the header and its blank line
	found    bool     // the block holds at least one field
	problems []string // without a part prefix
}

// readHeader splits b into header and body and reads the header with
// go-message. It finds the end of the header itself, rather than leaving that
// to textproto.ReadHeader, for three reasons: go-message gives up on the
// whole header at the first line that is not a field (message.Read then
// returns no entity at all), it does not say where the body starts after such
// a line, and it has no limit on the number of fields, each of which costs it
// a few hundred bytes (4 MB of "a:" lines cost it 500 MB).
func readHeader(b []byte) headerBlock {
	var hb headerBlock
	hb.body = b[len(b):]
	fields := 0     // fields seen
	kept := 0       // end of the fields that fit the limits
	keeping := true // no limit was reached yet
	longNoted := false
	var field []byte // name of the field being read

	// endField is called where the current field ends.
	endField := func(at int) {
		if !keeping || fields == 0 {
			return
		}
		switch {
		case fields > maxHeaderFields:
			hb.problems = append(hb.problems, fmt.Sprintf("header: more than %d fields, rest skipped", maxHeaderFields))
		case at > maxHeaderBytes:
			hb.problems = append(hb.problems, "header: longer than 2 MiB, rest skipped")
		default:
			kept = at
			return
		}
		keeping = false
	}

	pos := 0
	for pos < len(b) {
		next := len(b)
		if i := bytes.IndexByte(b[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		line := bytes.TrimRight(b[pos:next], "\r\n")
		switch {
		case len(line) == 0:
			endField(pos)
			hb.body = b[next:]
			hb.parse(b[:kept], fields)
			return hb
		case line[0] == ' ' || line[0] == '\t':
			if fields == 0 {
				hb.noBlankLine(b, pos)
				return hb
			}
		case isFieldLine(line):
			endField(pos)
			fields++
			field = line[:bytes.IndexByte(line, ':')]
		default:
			endField(pos)
			hb.parse(b[:kept], fields)
			hb.noBlankLine(b, pos)
			return hb
		}
		if len(line) > maxLineLength && keeping && !longNoted {
			longNoted = true
			hb.problems = append(hb.problems, fmt.Sprintf("header %s: line longer than %d characters", ward.Truncate(string(bytes.TrimSpace(field)), 40), maxLineLength))
		}
		pos = next
	}
	endField(len(b))
	hb.parse(b[:kept], fields)
	return hb
}

// noBlankLine ends a header at a line that is neither a field nor blank: the
// body starts there.
func (hb *headerBlock) noBlankLine(b []byte, pos int) {
	hb.body = b[pos:]
	hb.problems = append(hb.problems, "header ends without a blank line")
}

func (hb *headerBlock) parse(block []byte, fields int) {
	hb.found = fields > 0
	if len(block) == 0 {
		return
	}
	h, err := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(block), min(len(block), 4096)))
	if err != nil {
		hb.problems = append(hb.problems, "header: "+err.Error())
	}
	hb.header = message.Header{Header: h}
	named := 0
	for f := h.Fields(); f.Next(); {
		if utf8.ValidString(f.Value()) {
			continue
		}
		if named++; named > 10 {
			hb.problems = append(hb.problems, "header: more fields with 8-bit bytes that are not UTF-8")
			break
		}
		hb.problems = append(hb.problems, fmt.Sprintf("header %s: 8-bit bytes that are not UTF-8, read as Windows-1252", ward.Truncate(f.Key(), 40)))
	}
}

// isFieldLine reports whether line starts a header field: a name of printable
// US-ASCII other than ':', optional blanks (seen in the wild), then ':'.
func isFieldLine(line []byte) bool {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i < len(line) && line[i] == ':'
}

// headerText is the value of a field as UTF-8. Raw 8-bit values are allowed
// as UTF-8 (RFC 6532); any other 8-bit value was most likely written in
// Windows-1252, a superset of Latin-1, by an old mailer.
func headerText(h message.Header, key string) string {
	return fix8bit(h.Get(key))
}

func fix8bit(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return windows1252(s)
}

func windows1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// charsetReader converts encoded words and bodies to UTF-8; a charset that is
// not known is kept as received (and replaced where it is not UTF-8) rather
// than failing the whole field, which is what net/mail and mime would do.
func (p *parser) charsetReader(label string, input io.Reader) (io.Reader, error) {
	r, err := message.CharsetReader(label, input)
	if err != nil {
		p.problem("charset %s: not known, shown as received", ward.Truncate(label, 40))
		return input, nil
	}
	return r, nil
}

// decodeWords decodes the RFC 2047 encoded words in s.
func (p *parser) decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d := mime.WordDecoder{CharsetReader: p.charsetReader}
	out, err := d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}

func (p *parser) addressList(v string) ([]Address, error) {
	ap := netmail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: p.charsetReader}}
	list, err := ap.ParseList(v)
	if err != nil {
		return nil, err
	}
	out := make([]Address, len(list))
	for i, a := range list {
		out[i] = Address{Name: a.Name, Addr: strings.TrimSpace(a.Address)}
	}
	return out, nil
}

// addresses reads an address list field. When the list as a whole cannot be
// read, the addresses that can be read on their own are kept.
func (p *parser) addresses(h message.Header, key string) []Address {
	v := p.addressText(h, key)
	if strings.TrimSpace(v) == "" {
		return nil
	}
	list, err := p.addressList(v)
	if err != nil {
		p.problem("%s: cannot be read: %v", key, err)
		for _, one := range splitAddresses(v, maxAddresses) {
			if l, err := p.addressList(one); err == nil {
				list = append(list, l...)
			}
		}
	}
	if len(list) > maxAddresses {
		p.problem("%s: more than %d addresses, rest dropped", key, maxAddresses)
		list = list[:maxAddresses]
	}
	return list
}

// addressText is an address field without control characters, which
// net/mail refuses: a NUL in a display name should not cost the address.
func (p *parser) addressText(h message.Header, key string) string {
	v, changed := cleanLine(headerText(h, key))
	if changed {
		p.problem("%s: control characters removed", key)
	}
	return v
}

// splitAddresses splits an address list at the commas that are outside
// quotes and comments; pieces after the first limit are dropped. Angle brackets are not
// tracked: a stray '<' is a likelier reason for the list to be unreadable
// than a comma in a route.
func splitAddresses(v string, limit int) []string {
	var out []string
	quoted, escaped := false, false
	depth, start := 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, v[start:i])
			if len(out) == limit {
				return out
			}
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// messageID reads Message-ID leniently: the first bracketed id, or, when the
// field has no brackets at all, its first word.
func (p *parser) messageID(h message.Header) string {
	v := headerText(h, "Message-Id")
	ids := bracketed(v)
	if len(ids) == 0 && !strings.ContainsAny(v, "<>") {
		ids = strings.Fields(v)
	}
	switch {
	case len(ids) == 0:
		return ""
	case len(ids[0]) > maxLineLength:
		p.problem("Message-ID: longer than %d characters, ignored", maxLineLength)
		return ""
	}
	return ids[0]
}

// msgIDs reads In-Reply-To or References: the bracketed ids, skipping what is
// between them (old mailers wrote phrases there); when there are no brackets,
// the words that look like addresses.
func (p *parser) msgIDs(h message.Header, key string) []string {
	v := headerText(h, key)
	ids := bracketed(v)
	if len(ids) == 0 && !strings.ContainsAny(v, "<>") {
		for _, w := range strings.Fields(v) {
			if strings.Contains(w, "@") {
				ids = append(ids, w)
			}
		}
	}
	kept := ids[:0]
	for _, id := range ids {
		if len(id) > maxLineLength {
			p.problem("%s: an id longer than %d characters ignored", key, maxLineLength)
			continue
		}
		kept = append(kept, id)
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// bracketed returns what is between each '<' and the next '>' of v, without
// whitespace (mailers that fold inside an id exist).
func bracketed(v string) []string {
	var ids []string
	for {
		end := strings.IndexByte(v, '>')
		if end < 0 {
			return ids
		}
		if start := strings.LastIndexByte(v[:end], '<'); start >= 0 {
			id := v[start+1 : end]
			if strings.ContainsAny(id, " \t\r\n") {
				id = strings.Join(strings.Fields(id), "")
			}
			if id != "" {
				ids = append(ids, id)
			}
		}
		v = v[end+1:]
	}
}

// returnPath reads Return-Path by hand because net/mail refuses "<>", the
// null reverse-path of bounces (RFC 5321 §4.5.5).
func returnPath(v string) string {
	v = fix8bit(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "<>"
	}
	return v
}

// params is a Content-Type or Content-Disposition value.
type params struct {
	value   string            // lower-case media type or disposition
	params  map[string]string // names lower-case
	lenient bool              // the parameters were malformed and read by splitParams
}

// contentType parses a Content-Type value. ok is false when the media type
// itself could not be read; RFC 2045 §5.2 then has it taken as text/plain,
// unless its first word is a media type.
func contentType(v string) (ct params, ok bool) {
	return parseParams(v, "text/plain", true)
}

func disposition(v string) (params, bool) {
	return parseParams(v, "", false)
}

func parseParams(v, def string, needSlash bool) (params, bool) {
	if strings.TrimSpace(v) == "" {
		return params{value: def}, true
	}
	value, ps, err := mime.ParseMediaType(v)
	if needSlash && err == nil && !strings.Contains(value, "/") {
		err = errors.New("no subtype")
	}
	switch {
	case err == nil:
		return params{value: value, params: ps}, true
	case errors.Is(err, mime.ErrInvalidMediaParameter):
		return params{value: value, params: splitParams(v), lenient: true}, true
	}
	first := strings.TrimSpace(v)
	if i := strings.IndexAny(first, " \t;"); i >= 0 {
		first = first[:i]
	}
	value, _, err = mime.ParseMediaType(first)
	if err != nil || needSlash && !strings.Contains(value, "/") {
		return params{value: def}, false
	}
	return params{value: value, params: splitParams(v), lenient: true}, false
}

// splitParams reads name=value parameters the way mime.ParseMediaType does,
// but without giving up on all of them for one that is malformed (an
// unquoted '=' in a boundary, a duplicate, a stray ';'). The first of
// duplicates wins.
func splitParams(v string) map[string]string {
	ps := make(map[string]string)
	quoted, escaped := false, false
	start := 0
	add := func(piece string) {
		name, value, ok := strings.Cut(piece, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return
		}
		if _, dup := ps[name]; dup {
			return
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = unquote(value[1 : len(value)-1])
		}
		ps[name] = value
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			add(v[start:i])
			start = i + 1
		}
	}
	add(v[start:])
	return ps
}

func unquote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
