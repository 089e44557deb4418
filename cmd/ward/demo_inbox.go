package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/inbox"
)

// demoInboxConfig gives the demo an acknowledgement and a team address
// when the flags gave none, so that new threads show one queued. Without
// --smtp-url nothing leaves the machine.
func demoInboxConfig(cfg inbox.Config) inbox.Config {
	if cfg.Mail.From == "" || cfg.Mail.From == "ward@localhost" {
		cfg.Mail.From, cfg.Mail.Name = "security@example.org", "Example security team"
	}
	if cfg.AutoReply == "" {
		cfg.AutoReply = "Thank you for writing to the Example security team.\n\n" +
			"We read every message. To be eligible for a bounty, please also submit your report through\n" +
			"https://hackerone.com/example; we will link the two.\n"
	}
	return cfg
}

// seedDemoInbox brings mail in as a mail server would deliver it, through
// the same reading as real mail: a report with an attachment and an HTML
// part that tries to run script, a conversation with a reply queued and the
// reporter's answer, a thread made a report and answered there, a mailing
// list's digest, a message that cannot be fully read, and spam.
func seedDemoInbox(ctx context.Context, svc *inbox.Service) error {
	at := time.Now().Add(-3 * time.Hour)
	receive := func(raw string) (*ward.Ingested, error) {
		at = at.Add(7 * time.Minute)
		raw = strings.ReplaceAll(raw, "{date}", at.Format(time.RFC1123Z))
		return svc.Receive(ctx, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), ward.Delivery{Source: ward.MailLMTP})
	}
	daichi := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: "daichi.sato@example.org", Role: ward.RoleTriager})
	act := func(id int64, a inbox.Action) error {
		if _, err := svc.Act(daichi, id, a); err != nil {
			return fmt.Errorf("thread %d: %s: %w", id, a.Action, err)
		}
		return nil
	}

	// The first thread stays open: the first thing a newcomer triages.
	if _, err := receive(demoSSRF); err != nil {
		return err
	}
	proxy, err := receive(demoProxy)
	if err != nil {
		return err
	}
	if err := act(proxy.Thread.ID, inbox.Action{Action: inbox.ActionMark, Status: ward.ThreadActionable}); err != nil {
		return err
	}
	if err := act(proxy.Thread.ID, inbox.Action{Action: inbox.ActionReply,
		Text: "Thanks, Noor. Which version of the image proxy did you test, and does it need an account?"}); err != nil {
		return err
	}
	if _, err := receive(demoProxyAnswer); err != nil {
		return err
	}
	tracked, err := receive(demoTracked)
	if err != nil {
		return err
	}
	if err := act(tracked.Thread.ID, inbox.Action{Action: inbox.ActionReport}); err != nil {
		return err
	}
	if _, err := receive(demoTrackedAnswer); err != nil {
		return err
	}
	digest, err := receive(demoDigest)
	if err != nil {
		return err
	}
	if err := act(digest.Thread.ID, inbox.Action{Action: inbox.ActionMark, Status: ward.ThreadUnactionable}); err != nil {
		return err
	}
	if _, err := receive(demoBroken); err != nil {
		return err
	}
	spam, err := receive(demoSpam)
	if err != nil {
		return err
	}
	if err := act(spam.Thread.ID, inbox.Action{Action: inbox.ActionSpam}); err != nil {
		return err
	}
	return nil
}

const demoSSRF = `From: Ines Duarte <ines@example.com>
To: security@example.org
Subject: SSRF in the webhook tester reaches the metadata service
Message-ID: <demo-ssrf-1@example.com>
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Hello,

the "test webhook" button fetches any URL, including
http://169.254.169.254/latest/meta-data/, and shows the answer.
A proof of concept is attached. This also looks like CVE-2026-1234's
pattern, but in another component.

Ines
--alt
Content-Type: text/html; charset=utf-8

<p>Hello,</p><p>the <b>test webhook</b> button fetches any URL.</p>
<script>alert("this never runs")</script><img src="https://tracker.example.net/pixel.gif">
<p><a href="javascript:alert(1)">this link is made harmless</a></p>
--alt--

--mixed
Content-Type: text/x-python; name="poc.py"
Content-Disposition: attachment; filename="poc.py"

import requests
print(requests.post("https://ward.example.org/webhooks/test", json={"url": "http://169.254.169.254/"}).text)

--mixed--
`

const demoProxy = `From: Noor Haddad <noor@example.net>
To: security@example.org
Subject: Image proxy follows redirects to internal hosts
Message-ID: <demo-proxy-1@example.net>
Date: {date}
Content-Type: text/plain; charset=utf-8

Hi, the image proxy follows a 302 to http://localhost:8080/admin and
returns the page. Details on request.

Noor
`

const demoProxyAnswer = `From: Noor Haddad <noor@example.net>
To: security@example.org
Subject: Re: Image proxy follows redirects to internal hosts
Message-ID: <demo-proxy-2@example.net>
In-Reply-To: <demo-proxy-1@example.net>
References: <demo-proxy-1@example.net>
Date: {date}
Content-Type: text/plain; charset=utf-8

v3.2.1, and no account is needed.

> Which version of the image proxy did you test, and does it need an account?
`

const demoTracked = `From: Tomás Reyes <tomas@example.org.invalid>
To: security@example.org
Subject: =?utf-8?q?Path_traversal_in_the_backup_download_=E2=80=94_details?=
Message-ID: <demo-backup-1@example.org.invalid>
Date: {date}
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hola, /backups/download?name=3D../../etc/passwd returns the file. Se=F1or
admin rights are not needed.
`

const demoTrackedAnswer = `From: Tomás Reyes <tomas@example.org.invalid>
To: security@example.org
Subject: Re: Path traversal in the backup download
Message-ID: <demo-backup-2@example.org.invalid>
In-Reply-To: <demo-backup-1@example.org.invalid>
Date: {date}
Content-Type: text/plain; charset=utf-8

Also works with URL-encoded slashes: %2e%2e%2f.
`

const demoDigest = `From: announce-owner@lists.example.net
To: security@example.org
Subject: [announce] Weekly digest
Message-ID: <demo-digest-1@lists.example.net>
List-Id: Announcements <announce.lists.example.net>
Precedence: list
Date: {date}
Content-Type: text/plain

Three releases this week. No reply needed.
`

const demoBroken = `From: someone@example.com
To: security@example.org
Subject: logs attached
Message-ID: <demo-broken-1@example.com>
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain

The log is attached; the mail program cut it off.
--never-closed
Content-Type: application/gzip; name="logs.tar.gz"
Content-Transfer-Encoding: base64

H4sIAAAAAAAAA+3OMQ6CQBCF4a1%%%not base64 at all!!!
`

const demoSpam = `From: "Prize Dept" <winner@example.biz>
To: security@example.org
Subject: You have won a bounty of $1,000,000
Message-ID: <demo-spam-1@example.biz>
Date: {date}
Content-Type: text/plain

Click here to claim.
`
