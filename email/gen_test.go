package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

// The big malformed messages are generated here rather than kept in
// testdata.

const genHeader = "From: Alice <alice@example.org>\r\n" +
	"To: security@ward.example\r\n" +
	"Date: Tue, 02 Jan 2024 15:04:05 +0100\r\n" +
	"Message-ID: <gen@example.org>\r\n" +
	"Subject: generated\r\n" +
	"MIME-Version: 1.0\r\n"

// nestedMultipart is a multipart/mixed nested depth levels deep, with a text
// part at the bottom.
func nestedMultipart(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(genHeader)
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep text\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// attachmentData is size bytes that do not repeat in a way that compresses
// the base64 text.
func attachmentData(size int) []byte {
	data := make([]byte, size)
	x := uint32(2463534242)
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	return data
}

// base64Lines is data in base64, 76 characters a line.
func base64Lines(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
	return b.Bytes()
}

// withAttachment is a multipart/mixed message with a short text and one
// base64 attachment of the given decoded size.
func withAttachment(size int) []byte {
	var b bytes.Buffer
	b.WriteString(genHeader)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"att\"\r\n\r\n" +
		"--att\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attachment.\r\n" +
		"--att\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"dump.bin\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	b.Write(base64Lines(attachmentData(size)))
	b.WriteString("--att--\r\n")
	return b.Bytes()
}

// nestedRFC822 carries one message/rfc822 part holding a message that holds
// a message… depth levels deep. inner is the attached message.
func nestedRFC822(depth int) (raw, inner []byte) {
	msg := []byte("From: bottom@example.org\r\nSubject: bottom\r\n\r\nthe bottom\r\n")
	for i := range depth {
		msg = append([]byte(fmt.Sprintf("From: level%d@example.org\r\nSubject: level %d\r\n"+
			"Content-Type: message/rfc822\r\n\r\n", i, i)), msg...)
	}
	var b bytes.Buffer
	b.WriteString(genHeader)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n" +
		"--fwd\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n" +
		"--fwd\r\nContent-Type: message/rfc822\r\n\r\n")
	b.Write(msg)
	b.WriteString("\r\n--fwd--\r\n")
	return b.Bytes(), msg
}

// manyParts is a multipart/mixed of n small attachments.
func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString(genHeader)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--p\r\nContent-Type: application/octet-stream; name=\"f%d\"\r\n\r\n%d\r\n", i, i)
	}
	b.WriteString("--p--\r\n")
	return b.Bytes()
}

// longHeaderLine has an unfolded field of n bytes before the Subject.
func longHeaderLine(n int) []byte {
	return []byte("From: alice@example.org\r\n" +
		"X-Long: " + strings.Repeat("a", n) + "\r\n" +
		"Subject: after the long line\r\n" +
		"\r\nbody\r\n")
}

// partHeaderBomb is a part whose header is lines of "a:", each of which
// would cost go-message's MultipartReader a few hundred bytes.
func partHeaderBomb(lines int) []byte {
	var b bytes.Buffer
	b.WriteString(genHeader)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"h\"\r\n\r\n--h\r\n")
	for range lines {
		b.WriteString("a:\r\n")
	}
	b.WriteString("\r\nbody\r\n--h--\r\n")
	return b.Bytes()
}

// typical is a 6 KB multipart/alternative report with a small attachment,
// as a reporter's mail client sends it.
func typical() []byte {
	var b bytes.Buffer
	b.WriteString(genHeader)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	para := "The password reset form at https://victim.example/reset accepts a Host head=\r\ner that is used to build the reset link, so an attacker can get a victim's t=\r\noken sent to a domain they control. Gr=C3=BC=C3=9Fe.\r\n\r\n"
	for range 10 {
		b.WriteString(para)
	}
	b.WriteString("--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>")
	for range 10 {
		b.WriteString("<p>The password reset form at <a href=3D\"https://victim.example/reset\">the=\r\n reset page</a> accepts a <b>Host</b> header &amp; builds the link from it.</p>\r\n")
	}
	b.WriteString("</body></html>\r\n--alt--\r\n" +
		"--outer\r\nContent-Type: text/x-python; name=\"poc.py\"\r\n" +
		"Content-Disposition: attachment; filename=\"poc.py\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.Write(base64Lines(bytes.Repeat([]byte("requests.post(url, headers={'Host': 'evil.example'})\n"), 20)))
	b.WriteString("--outer--\r\n")
	return b.Bytes()
}
