package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/imapintake"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/lmtp"
	"github.com/wardsec/ward/mailout"
	"github.com/wardsec/ward/store"
)

// mailFlags configure the inbox: where mail comes from, how ward sends,
// and the acknowledgement. Passwords come from the environment or files,
// never from flags, which other users see in the process list.
type mailFlags struct {
	from, name                string
	smtpURL, smtpPasswordFile string
	imapURL, imapPasswordFile string
	imapMoveTo                string
	imapPoll                  time.Duration
	listen                    string
	recipients                []string
	autoReplyFile             string
	autoReplyInterval         time.Duration
}

func (f *mailFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.from, "mail-from", envOr("WARD_MAIL_FROM", ""), "the team's address, which replies and acknowledgements come from, such as security@example.org (env WARD_MAIL_FROM); Message-IDs use its domain")
	fl.StringVar(&f.name, "mail-name", envOr("WARD_MAIL_NAME", ""), "the name replies come from, such as \"Example security team\" (env WARD_MAIL_NAME)")
	fl.StringVar(&f.smtpURL, "smtp-url", envOr("WARD_SMTP_URL", ""), "where ward sends mail: smtp://[user@]host:587 (STARTTLS), smtps://[user@]host:465 (TLS) or smtp+insecure://host:25 (env WARD_SMTP_URL); the password is read from WARD_SMTP_PASSWORD or --smtp-password-file. Replies wait in the queue while it is unset")
	fl.StringVar(&f.smtpPasswordFile, "smtp-password-file", "", "a file holding the SMTP password")
	fl.StringVar(&f.imapURL, "imap-url", envOr("WARD_IMAP_URL", ""), "a mailbox ward reads: imaps://user@host[:993]/MAILBOX, or imap://user@host:143/MAILBOX with STARTTLS (plaintext only to a loopback host) (env WARD_IMAP_URL); the password is read from WARD_IMAP_PASSWORD or --imap-password-file")
	fl.StringVar(&f.imapPasswordFile, "imap-password-file", "", "a file holding the IMAP password")
	fl.StringVar(&f.imapMoveTo, "imap-move-to", envOr("WARD_IMAP_MOVE_TO", ""), "move stored messages to this mailbox instead of marking them seen (env WARD_IMAP_MOVE_TO)")
	fl.DurationVar(&f.imapPoll, "imap-poll", time.Minute, "how often to look for mail when the server has no IDLE")
	fl.StringVar(&f.listen, "mail-listen", envOr("WARD_MAIL_LISTEN", ""), "receive mail from the team's mail server: lmtp://127.0.0.1:2424 or smtp://127.0.0.1:2525 (env WARD_MAIL_LISTEN); loopback only, as it asks for no password")
	fl.StringArrayVar(&f.recipients, "mail-recipient", splitList(os.Getenv("WARD_MAIL_RECIPIENTS")), "an address --mail-listen accepts mail for; repeatable (env WARD_MAIL_RECIPIENTS, comma-separated); any when none")
	fl.StringVar(&f.autoReplyFile, "auto-reply-file", envOr("WARD_AUTO_REPLY_FILE", ""), "a text file: the acknowledgement each new thread from a person gets, such as a pointer to the bug bounty programme (env WARD_AUTO_REPLY_FILE); none when empty")
	fl.DurationVar(&f.autoReplyInterval, "auto-reply-interval", 24*time.Hour, "the least time between two acknowledgements to one sender")
}

// secret reads a password from a file, or else from the environment
// variable; both at once is refused as ambiguous.
func secret(getenv func(string) string, env, file, what string) (string, error) {
	v := getenv(env)
	if file == "" {
		return v, nil
	}
	if v != "" {
		return "", ward.Errorf(ward.EINVALID, "the %s is given twice, by a file and %s: keep one", what, env)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", ward.Errorf(ward.EINVALID, "%s file: %v", what, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// inboxConfig checks the flags and reads the secrets and the
// acknowledgement they name.
func (f mailFlags) inboxConfig(getenv func(string) string, publicURL string) (inbox.Config, error) {
	cfg := inbox.Config{Mail: mailout.Config{From: f.from, Name: f.name, SMTPURL: f.smtpURL},
		AutoReplyInterval: f.autoReplyInterval, PublicURL: publicURL}
	var err error
	if cfg.Mail.Password, err = secret(getenv, "WARD_SMTP_PASSWORD", f.smtpPasswordFile, "SMTP password"); err != nil {
		return cfg, err
	}
	if f.autoReplyFile != "" {
		b, err := os.ReadFile(f.autoReplyFile)
		if err != nil {
			return cfg, ward.Errorf(ward.EINVALID, "--auto-reply-file: %v", err)
		}
		cfg.AutoReply = string(b)
	}
	if (f.smtpURL != "" || cfg.AutoReply != "") && f.from == "" {
		return cfg, ward.Errorf(ward.EINVALID, "--smtp-url and --auto-reply-file need --mail-from: the address mail comes from")
	}
	if f.from == "" {
		cfg.Mail.From = "ward@localhost" // replies are stored and queued, never sent without --smtp-url
	}
	return cfg, nil
}

// imapConfig reads --imap-url.
func (f mailFlags) imapConfig(getenv func(string) string, log *slog.Logger) (imapintake.Config, error) {
	u, err := url.Parse(f.imapURL)
	if err != nil || (u.Scheme != "imap" && u.Scheme != "imaps") || u.Hostname() == "" || u.User.Username() == "" {
		return imapintake.Config{}, ward.Errorf(ward.EINVALID, "--imap-url: want imaps://user@host/MAILBOX or imap://user@host:143/MAILBOX")
	}
	if _, set := u.User.Password(); set {
		return imapintake.Config{}, ward.Errorf(ward.EINVALID, "--imap-url: the password goes in WARD_IMAP_PASSWORD or --imap-password-file, not the URL")
	}
	password, err := secret(getenv, "WARD_IMAP_PASSWORD", f.imapPasswordFile, "IMAP password")
	if err != nil {
		return imapintake.Config{}, err
	}
	addr := u.Host
	if u.Port() == "" {
		addr += map[string]string{"imap": ":143", "imaps": ":993"}[u.Scheme]
	}
	mailbox := strings.TrimPrefix(u.Path, "/")
	if mailbox == "" {
		mailbox = "INBOX"
	}
	return imapintake.Config{Addr: addr, TLS: u.Scheme == "imaps", User: u.User.Username(), Password: password,
		Mailbox: mailbox, MoveTo: f.imapMoveTo, Poll: f.imapPoll, Logger: log}, nil
}

// startMail starts what the flags ask for — IMAP intake, the LMTP or SMTP
// listener, delivery of queued mail — and returns a function that stops
// them and waits.
func (f mailFlags) startMail(ctx context.Context, svc *inbox.Service, cfg inbox.Config, log *slog.Logger) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stop = func() { cancel(); wg.Wait() }
	if f.imapURL != "" {
		ic, err := f.imapConfig(os.Getenv, log)
		if err != nil {
			stop()
			return nil, err
		}
		wg.Go(func() {
			if err := imapintake.Run(ctx, ic, svc); err != nil && ctx.Err() == nil {
				log.Error("imap intake stopped", "err", err)
			}
		})
		log.Info("reading mail", "imap", ic.Addr, "mailbox", ic.Mailbox)
	}
	if f.listen != "" {
		u, err := url.Parse(f.listen)
		if err != nil || (u.Scheme != "lmtp" && u.Scheme != "smtp") || u.Host == "" {
			stop()
			return nil, ward.Errorf(ward.EINVALID, "--mail-listen: want lmtp://127.0.0.1:2424 or smtp://127.0.0.1:2525")
		}
		srv, err := lmtp.NewServer(lmtp.Config{Addr: u.Host, LMTP: u.Scheme == "lmtp", Domain: domainOf(cfg.Mail.From),
			Recipients: f.recipients, Logger: log}, svc)
		if err != nil {
			stop()
			return nil, err
		}
		if err := srv.Listen(); err != nil {
			stop()
			return nil, fmt.Errorf("--mail-listen: %w", err)
		}
		wg.Go(func() {
			if err := srv.Serve(); err != nil && ctx.Err() == nil {
				log.Error("mail listener stopped", "err", err)
			}
		})
		wg.Go(func() { <-ctx.Done(); srv.Close() })
		log.Info("receiving mail", "listen", f.listen)
	}
	if f.smtpURL != "" {
		sender, err := mailout.NewSender(cfg.Mail)
		if err != nil {
			stop()
			return nil, err
		}
		wg.Go(func() { svc.Deliver(ctx, sender) })
	}
	return stop, nil
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok {
		return d
	}
	return "localhost"
}

// newInbox is the inbox ward serves.
func newInbox(db *store.DB, cfg inbox.Config) *inbox.Service {
	return inbox.New(db, db, db, cfg, time.Now, rand.Reader)
}
