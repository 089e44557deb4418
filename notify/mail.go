package notify

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/mailout"
)

// MailSender sends email dispatches as plain-text notices from the team
// address (mailout): Auto-Submitted: auto-generated, with a null envelope
// sender, so that no auto-reply answers them.
type MailSender struct {
	Config mailout.Config
	SMTP   interface {
		Send(ctx context.Context, from string, to []string, raw []byte) error
	}
	Now func() time.Time // the Date header's clock
}

// Send composes and sends one dispatch. A message that cannot be composed
// (an address that is none) fails for good.
func (m MailSender) Send(ctx context.Context, d *ward.Dispatch) error {
	raw, _, err := mailout.Compose(m.Config, mailout.Reply{To: []ward.MailAddress{{Addr: d.Target}}, Subject: d.Subject, Text: d.Body,
		Notice: true, Date: m.Now()}, rand.Reader)
	if err != nil {
		return permanentError{err}
	}
	return m.SMTP.Send(ctx, mailout.EnvelopeFrom(m.Config.From, raw), []string{d.Target}, raw)
}
