package email

import (
	"fmt"
	"strings"

	"github.com/wardsec/ward"
)

// finish makes every string of the message safe to store and to print: valid
// UTF-8, no NUL (databases refuse it) and no control characters (terminals
// obey escape sequences). It runs even after a recovered panic.
func (p *parser) finish() {
	m := p.m
	var changed bool
	line := func(s *string) {
		var c bool
		*s, c = cleanLine(*s)
		changed = changed || c
	}
	addresses := func(list []Address) {
		for i := range list {
			line(&list[i].Name)
			line(&list[i].Addr)
		}
	}

	line(&m.Subject)
	if changed {
		p.problem("control characters removed from Subject")
		changed = false
	}
	line(&m.From.Name)
	line(&m.From.Addr)
	addresses(m.ReplyTo)
	addresses(m.To)
	addresses(m.Cc)
	if changed {
		p.problem("control characters removed from names")
		changed = false
	}
	line(&m.MessageID)
	line(&m.InReplyTo)
	for i := range m.References {
		line(&m.References[i])
	}
	line(&m.ReturnPath)
	line(&m.Auto)
	if changed {
		p.problem("control characters removed from header fields")
	}

	m.HTML = strings.ToValidUTF8(m.HTML, "\uFFFD")
	if strings.Contains(m.HTML, "\x00") {
		p.problem("NUL bytes removed from HTML")
		m.HTML = strings.ReplaceAll(m.HTML, "\x00", "")
	}
	if strings.TrimSpace(m.Text) == "" && m.HTML != "" {
		m.Text = ward.Truncate(htmlText(m.HTML), maxText)
	}
	var c bool
	if m.Text, c = cleanText(m.Text); c {
		p.problem("control characters removed from Text")
	}

	if p.dropped > 0 {
		m.Problems = append(m.Problems, fmt.Sprintf("more problems not listed (%d)", p.dropped))
	}
}

// isControl reports the C0 and C1 control characters and DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f
}

// hasControl reports whether valid UTF-8 s holds a control character other
// than tab, newline and carriage return when breaks are allowed, without
// decoding it: C1 controls are the only characters encoded as 0xC2 0x80-0x9F.
func hasControl(s string, breaks bool) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\t' || c == '\n' || c == '\r':
			if !breaks {
				return true
			}
		case c < 0x20 || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] <= 0x9f:
			return true
		}
	}
	return false
}

// cleanLine makes s a valid one-line UTF-8 string: line breaks and tabs
// become spaces, other control characters are removed. changed reports a
// removal.
func cleanLine(s string) (out string, changed bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !hasControl(s, false) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case isControl(r):
			changed = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), changed
}

// cleanText makes s valid UTF-8 with "\n" line ends and no control
// characters but tab, newline and carriage return. changed reports a removal.
func cleanText(s string) (out string, changed bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	if !hasControl(s, true) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if isControl(r) && r != '\t' && r != '\n' && r != '\r' {
			changed = true
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), changed
}
