package mailtest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Typical returns the i-th of a series of typical security-list messages:
// about 6 KB, multipart/alternative (text and HTML), every tenth with a
// small attachment, and two in three answering an earlier one of the
// series, so that threads form. The same i always gives the same bytes.
func Typical(i int) []byte {
	var b strings.Builder
	sender := i % 97
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	fmt.Fprintf(&b, "Return-Path: <reporter%d@example.net>\r\n", sender)
	fmt.Fprintf(&b, "From: Reporter %d <reporter%d@example.net>\r\n", sender, sender)
	b.WriteString("To: security@example.org\r\n")
	thread := i - i%3
	if i%3 == 0 {
		fmt.Fprintf(&b, "Subject: Possible vulnerability %d in the admission webhook\r\n", thread)
	} else {
		fmt.Fprintf(&b, "Subject: Re: Possible vulnerability %d in the admission webhook\r\n", thread)
		fmt.Fprintf(&b, "In-Reply-To: <msg%d@example.net>\r\nReferences: <msg%d@example.net>\r\n", i-1, thread)
	}
	fmt.Fprintf(&b, "Message-ID: <msg%d@example.net>\r\n", i)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\n")
	outer := fmt.Sprintf("outer-%d", i)
	inner := fmt.Sprintf("inner-%d", i)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", outer)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/alternative; boundary=%q\r\n\r\n", outer, inner)
	para := fmt.Sprintf("Hello team, while testing release 1.%d I found that a request to https://example.org/api/v1/objects/%d "+
		"with a crafted label bypasses the admission webhook (see CVE-2026-%04d for a similar case). ", i%40, i, i%5000)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", inner)
	for range 12 {
		b.WriteString(wrap(para))
	}
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>", inner)
	for range 12 {
		b.WriteString("<p>" + para + "</p>\r\n")
	}
	fmt.Fprintf(&b, "</body></html>\r\n--%s--\r\n", inner)
	if i%10 == 0 {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/x-log; name=\"crash.log\"\r\nContent-Disposition: attachment; filename=\"crash.log\"\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n", outer)
		for range 10 {
			b.WriteString("cGFuaWM6IHJ1bnRpbWUgZXJyb3I6IGludmFsaWQgbWVtb3J5IGFkZHJlc3Mgb3IgbmlsIHBvaW50ZXIK\r\n")
		}
	}
	fmt.Fprintf(&b, "--%s--\r\n", outer)
	return []byte(b.String())
}

// wrap breaks text into lines of at most 72 characters.
func wrap(s string) string {
	var b strings.Builder
	line := 0
	for _, w := range strings.Fields(s) {
		if line > 0 && line+1+len(w) > 72 {
			b.WriteString("\r\n")
			line = 0
		}
		if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String() + "\r\n"
}

// WriteMbox writes messages from, to (exclusive) of Typical as an mbox
// archive (mboxrd: lines starting with "From " are quoted).
func WriteMbox(w io.Writer, from, to int) error {
	for i := from; i < to; i++ {
		if _, err := fmt.Fprintf(w, "From reporter%d@example.net Thu Jan  1 00:00:00 2026\n", i%97); err != nil {
			return err
		}
		msg := strings.ReplaceAll(string(Typical(i)), "\r\n", "\n")
		for _, line := range strings.SplitAfter(msg, "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, ">"), "From ") {
				line = ">" + line
			}
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	return nil
}
