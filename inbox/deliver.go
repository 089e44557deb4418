package inbox

import (
	"context"
	"errors"
	"time"

	"github.com/wardsec/ward/mailout"
)

// Sender delivers a raw message; mailout.Sender is one. An error that
// has a method Permanent() bool answering true is not retried.
type Sender interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
}

func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// Delivery's pace: how often the queue is looked at without a poke, and
// how an attempt that failed for now is retried — doubling from a minute
// to six hours, and given up after maxAttempts (about two days).
const (
	deliverEvery = 30 * time.Second
	firstRetry   = time.Minute
	lastRetry    = 6 * time.Hour
	maxAttempts  = 14
	// sendLease is how long a claimed message is another worker's: longer
	// than an SMTP transaction takes, short enough to retry soon after a
	// worker died holding it.
	sendLease = 10 * time.Minute
)

// retryAfter is how long to wait after the attempts-th failure.
func retryAfter(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < lastRetry; i++ {
		d *= 2
	}
	return min(d, lastRetry)
}

// Deliver sends queued mail until ctx ends: at once when mail is queued in
// this process, otherwise every 30 seconds (another process may have
// queued it). Each message is marked sent only after the server took it,
// so a crash sends it again rather than never; a permanent refusal (5xx)
// is recorded and not retried.
func (s *Service) Deliver(ctx context.Context, sender Sender) {
	log := s.cfg.Logger
	t := time.NewTicker(deliverEvery)
	defer t.Stop()
	for {
		if err := s.DeliverDue(ctx, sender); err != nil && ctx.Err() == nil {
			log.Error("deliver mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// DeliverDue makes one pass over the queue.
func (s *Service) DeliverDue(ctx context.Context, sender Sender) error {
	log := s.cfg.Logger
	for {
		due, err := s.mail.ClaimDueMail(ctx, 20, sendLease)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, o := range due {
			from := mailout.EnvelopeFrom(s.cfg.Mail.From, o.Raw)
			err := sender.Send(ctx, from, o.To, o.Raw)
			if err == nil {
				// The server has it: record that even when ward is stopping,
				// or it would be sent again after the restart.
				if err := s.mail.MarkMailSent(context.WithoutCancel(ctx), o.Message); err != nil {
					return err
				}
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The server's answer may name the recipient: the log gets it
			// without addresses, the desk (the team's) with them.
			retry := time.Time{}
			if !permanent(err) && o.Attempts+1 < maxAttempts {
				retry = s.now().Add(retryAfter(o.Attempts + 1))
			}
			log.Warn("mail not delivered", "message", o.Message, "thread", o.Thread, "attempt", o.Attempts+1,
				"retry_at", retry, "err", redactAddresses(err.Error()))
			if err := s.mail.MarkMailFailed(ctx, o.Message, err.Error(), retry); err != nil {
				return err
			}
		}
	}
}
