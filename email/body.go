package email

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wardsec/ward"
)

// readText decodes a text part to UTF-8, keeping at most maxText bytes.
func (p *parser) readText(ct params, cte string, body []byte, prefix string) string {
	charset := strings.ToLower(strings.TrimSpace(ct.params["charset"]))
	e := p.decoder(ct.value, charset, cte, body, prefix)
	data, err := io.ReadAll(io.LimitReader(e.Body, maxText+1))
	if err != nil {
		p.problem("%s%s", prefix, decodeProblem(cte, err))
	}
	cut := len(data) > maxText
	if cut {
		data = data[:maxText]
	}
	return p.cutText(p.utf8Text(data, charset, prefix), prefix, cut)
}

// utf8Text makes decoded text valid UTF-8. go-message has already converted
// every charset it knows, so invalid bytes are left only where the charset
// was absent, US-ASCII, UTF-8 or unknown.
func (p *parser) utf8Text(data []byte, charset, prefix string) string {
	if utf8.Valid(data) {
		return string(data)
	}
	switch charset {
	case "", "us-ascii":
		p.problem("%s8-bit text without a charset, read as Windows-1252", prefix)
		return windows1252(string(data))
	case "utf-8":
		p.problem("%sinvalid UTF-8 replaced", prefix)
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// cutText keeps at most maxText bytes of s, on a character boundary; cut says
// that s was already cut before it was converted.
func (p *parser) cutText(s, prefix string, cut bool) string {
	if len(s) > maxText {
		s, cut = ward.Truncate(s, maxText), true
	}
	if cut {
		p.problem("%stext longer than 1 MiB, cut", prefix)
	}
	return s
}

// count returns the decoded size of an attachment without keeping it.
func (p *parser) count(mediaType, cte string, body []byte, prefix string) int64 {
	e := p.decoder(mediaType, "", cte, body, prefix)
	var n byteCount
	if _, err := io.CopyBuffer(&n, e.Body, p.buffer(len(body))); err != nil {
		p.problem("%s%s", prefix, decodeProblem(cte, err))
		return int64(len(body))
	}
	return int64(n)
}

// buffer returns the copy buffer for a body of n encoded bytes, which decode
// to at most n: small bodies, the common case, do not need all of 8 KiB.
func (p *parser) buffer(n int) []byte {
	n = min(max(n, 512), 8<<10)
	if len(p.copyBuf) < n {
		p.copyBuf = make([]byte, n)
	}
	return p.copyBuf
}

type byteCount int64

func (c *byteCount) Write(b []byte) (int, error) {
	*c += byteCount(len(b))
	return len(b), nil
}

// innerMessage lists a message/rfc822 part as an attachment. Its own parts
// are not walked: a forwarded message nested in a forwarded message, 50 deep,
// is one attachment to the message that carries it, and its Subject is read
// only to name it.
func (p *parser) innerMessage(mediaType, name, cte string, body []byte, prefix string) {
	e := p.decoder(mediaType, "", cte, body, prefix)
	if want := min(len(body), innerHeaderBytes); len(p.innerHeader) < want {
		p.innerHeader = make([]byte, want)
	}
	n, err := readUpTo(e.Body, p.innerHeader)
	head := p.innerHeader[:n]
	size := int64(n)
	if err == nil {
		var rest byteCount
		_, err = io.CopyBuffer(&rest, e.Body, p.buffer(len(body)))
		size += int64(rest)
	}
	if err != nil {
		p.problem("%s%s", prefix, decodeProblem(cte, err))
		size = int64(len(body))
	}
	if name == "" {
		quiet := &parser{m: new(Message)} // the inner message's problems are not this one's
		subject, _ := cleanLine(quiet.decodeWords(headerText(readHeader(head).header, "Subject")))
		subject = strings.TrimSpace(strings.NewReplacer("/", "_", `\`, "_").Replace(subject))
		if subject != "" {
			name = ward.Truncate(subject, maxFilename-len(".eml")) + ".eml"
		}
	}
	p.attach(Attachment{Filename: name, ContentType: mediaType, Size: size})
}

// readUpTo fills buf as far as r allows; reaching the end of r is not an
// error. (io.ReadFull would not tell a short read from a base64 decoder's
// io.ErrUnexpectedEOF.)
func readUpTo(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func decodeProblem(cte string, err error) string {
	var corrupt base64.CorruptInputError
	switch {
	case cte == "base64" && (errors.As(err, &corrupt) || errors.Is(err, io.ErrUnexpectedEOF)):
		return "bad base64"
	case cte == "quoted-printable":
		return "bad quoted-printable: " + err.Error()
	}
	return "cannot be decoded: " + err.Error()
}

// multipartSplit is a multipart body cut into its parts.
type multipartSplit struct {
	parts  [][]byte
	found  bool // a delimiter line was seen
	closed bool // the close delimiter was seen
	more   bool // there were more than limit parts
}

// splitMultipart cuts a multipart body into at most limit parts (RFC 2046
// §5.1.1). It works on the bytes rather than through go-message's
// MultipartReader because that reader reads each part's header without any
// limit. Like go-message it accepts LF for CRLF and blanks after a
// delimiter; the line break before a delimiter belongs to the delimiter.
func splitMultipart(body []byte, boundary string, limit int) multipartSplit {
	var sp multipartSplit
	delim := []byte("--" + boundary)
	start := -1 // start of the current part, once a delimiter was seen
	pos := 0
	for {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + len(delim)
		if i > 0 && body[i-1] != '\n' {
			continue
		}
		lineEnd := len(body)
		if j := bytes.IndexByte(body[pos:], '\n'); j >= 0 {
			lineEnd = pos + j + 1
		}
		rest := body[pos:lineEnd]
		closing := bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		if len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
			continue
		}
		if start >= 0 {
			end := i
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			if len(sp.parts) == limit {
				sp.more = true
				return sp
			}
			sp.parts = append(sp.parts, body[start:end])
		}
		sp.found = true
		if closing {
			sp.closed = true
			return sp
		}
		start, pos = lineEnd, lineEnd
	}
	if start >= 0 {
		if len(sp.parts) == limit {
			sp.more = true
			return sp
		}
		sp.parts = append(sp.parts, body[start:])
	}
	return sp
}
