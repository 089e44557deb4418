package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardsec/ward/wardtest/browser"
)

// inboxMail is a reporter's first message: a text part, an HTML part that
// tries to run script and load a tracking image, and an attachment.
const inboxMail = "From: Ines Duarte <ines@example.com>\r\nTo: security@example.org\r\n" +
	"Subject: SSRF in the webhook tester\r\nMessage-ID: <browser-1@example.com>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
	"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe test button fetches http://169.254.169.254/ and shows it.\r\n" +
	"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>test</b> button fetches any URL.</p>" +
	"<script>window.__xss=1</script><img src=\"https://tracker.example.net/p.gif\" onerror=\"window.__xss=1\">\r\n--a--\r\n" +
	"--m\r\nContent-Type: text/x-python; name=poc.py\r\nContent-Disposition: attachment; filename=poc.py\r\n\r\nprint(1)\r\n--m--\r\n"

// TestBrowserInboxTriage works a thread as the runbook's collaborative
// inbox asks: a triager finds new mail, makes themselves accountable,
// answers the reporter and files the mail as a report, also in a 320 px
// window.
func TestBrowserInboxTriage(t *testing.T) {
	p, token, link := deskTeam(t)
	req, _ := http.NewRequest("POST", p.url+"/api/v1/inbox/messages", strings.NewReader(inboxMail))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "message/rfc822")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("mail in: %d %s", resp.StatusCode, body)
	}

	tab := browser.Open(t)
	tab.Go(link("daichi.sato@example.org"))
	tab.Submit("Sign in")
	if code := tab.Go(p.url + "/inbox"); code != http.StatusOK {
		t.Fatalf("inbox: %d", code)
	}
	tab.AssertText("SSRF in the webhook tester")
	tab.Screenshot("inbox")
	if code := tab.Submit("SSRF in the webhook tester"); code != http.StatusOK {
		t.Fatalf("open the thread: %d", code)
	}
	tab.AssertNoScriptInjection()
	tab.AssertText("poc.py")
	tab.AssertText("ines@example.com") // the reply form names who gets it
	tab.Screenshot("thread")

	tab.Fill("Assignee", "daichi.sato@example.org")
	if code := tab.Submit("Assign"); code != http.StatusOK {
		t.Fatalf("assign: %d\n%s", code, tab.Text("main"))
	}
	tab.Fill("Reply", "Thanks, Ines. Which version did you test?")
	if code := tab.Submit("Send the reply"); code != http.StatusOK {
		t.Fatalf("reply: %d\n%s", code, tab.Text("main"))
	}
	tab.AssertText("Which version did you test?")
	tab.AssertText("queued") // no --smtp-url: it waits in the outbox
	if code := tab.Submit("Make a report"); code != http.StatusOK {
		t.Fatalf("make a report: %d\n%s", code, tab.Text("main"))
	}
	tab.AssertText("Tracked")
	tab.Screenshot("tracked")

	tab.Viewport(320, 800)
	tab.Reload()
	tab.AssertNoHorizontalOverflow()
	tab.Screenshot("thread at 320 px")
	tab.AssertNoConsoleErrors()
}
