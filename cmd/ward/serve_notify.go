package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/clock"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/mailout"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
)

// serveClock is the clock ward serve runs by: the machine's, or, for the
// end-to-end test of a month of reminders, the accelerated clock that
// WARD_TEST_CLOCK describes (clock.Parse). It is for tests only: what
// the store stamps, such as the inbox's mail leases, runs as fast (the
// notification sender's leases and back-off keep the machine's clock).
func serveClock(getenv func(string) string, logger *slog.Logger) (clock.Clock, error) {
	spec := getenv("WARD_TEST_CLOCK")
	if spec == "" {
		return clock.System{}, nil
	}
	c, err := clock.Parse(spec, time.Now())
	if err != nil {
		return nil, ward.Errorf(ward.EINVALID, "WARD_TEST_CLOCK: %s", err)
	}
	logger.Warn("running on a test clock, not the machine's", "start", c.Start, "rate", c.Rate)
	return c, nil
}

// jobsPoll is how often the job runner looks for work: river's second,
// but on a test's accelerated clock, where an hour can be 83 ms, as often
// as river allows, or the hourly jobs queue up behind each other.
func jobsPoll(c clock.Clock) time.Duration {
	if _, fast := c.(clock.Scaled); fast {
		return 10 * time.Millisecond
	}
	return time.Second
}

// newNotifier is the notification sender: email when ward sends mail,
// and the team's channels.
func newNotifier(db *store.DB, calendar *oncall.Service, c clock.Clock, f serveFlags, mail inbox.Config, logger *slog.Logger) (*notify.Service, error) {
	senders := map[string]notify.Sender{}
	if f.mail.smtpURL != "" {
		smtp, err := mailout.NewSender(mail.Mail)
		if err != nil {
			return nil, fmt.Errorf("notifications by email: %w", err)
		}
		senders[ward.ChannelEmail] = notify.MailSender{Config: mail.Mail, SMTP: smtp, Now: time.Now}
	}
	channels := &notify.Channels{Store: db, Getenv: os.Getenv, ReadFile: os.ReadFile}
	senders[ward.ChannelWebhook], senders[ward.ChannelSlack] = channels, channels
	return notify.New(notify.Config{Store: db, Senders: senders, OnCall: firstRotationOnCall(db, calendar), NextWorking: calendar.NextWorking,
		Clock: c, BaseURL: f.publicURL, Logger: logger}), nil
}
