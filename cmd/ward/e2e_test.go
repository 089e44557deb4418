package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wardBinary is the real binary, built once for the end-to-end tests.
var wardBinary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "ward-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		wardBinary = filepath.Join(dir, "ward")
		if out, err := exec.Command("go", "build", "-o", wardBinary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build ward: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// process is a running `ward serve`.
type process struct {
	cmd    *exec.Cmd
	url    string
	stdout []string // the lines printed before and including the URL's
	mu     sync.Mutex
}

var listening = regexp.MustCompile(`ward is listening on (http://\S+)`)

// startServe starts the binary with the arguments and waits until it prints
// its URL.
func startServe(t *testing.T, args ...string) *process {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stdout, "\n")
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

// send sends a request and reads the answer.
func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeDemo is the README's first command: a newcomer runs it, reads
// the token it prints, and is answered.
func TestServeDemo(t *testing.T) {
	p := startServe(t, "--demo")
	// The demo help follows the URL line; wait for the token.
	tokenLine := regexp.MustCompile(`WARD_TOKEN=(ward_\w+)`)
	var token string
	for deadline := time.Now().Add(10 * time.Second); token == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := tokenLine.FindStringSubmatch(p.output()); m != nil {
			token = m[1]
		}
	}
	if token == "" {
		t.Fatalf("no token in the demo output:\n%s", p.output())
	}
	if code, body := get(t, p.url+"/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	// No signing secret, no slash command, however it is signed.
	if code, body := slackCommand(t, p.url, "", "oncall"); code != 404 {
		t.Errorf("the Slack command without a signing secret: %d %s", code, body)
	}
	code, body := get(t, p.url+"/api/v1/me", token)
	if code != 200 || !strings.Contains(body, `"role":"admin"`) {
		t.Errorf("/api/v1/me with the printed token: %d %s", code, body)
	}
	code, body = get(t, p.url+"/api/v1/members", token)
	if code != 200 || strings.Count(body, `"email"`) != 5 {
		t.Errorf("demo team: %d %s", code, body)
	}
	code, body = get(t, p.url+"/api/v1/reports", token)
	// Three new by mail and the web, one new and one triaged as a sync
	// from HackerOne would have left them.
	if code != 200 || strings.Count(body, `"state":"new"`) != 4 || !strings.Contains(body, `"fix_status":"development"`) ||
		!strings.Contains(body, `"external_id":"2904417"`) || !strings.Contains(body, `"labels":["cwe-79"]`) {
		t.Errorf("demo reports: %d %.300s", code, body)
	}
	// The tracked report: GitHub's webhook said its issue was assigned.
	if code, body := get(t, p.url+"/api/v1/reports/2/timeline", token); code != 200 || !strings.Contains(body, `"actor":"github:ben-carter"`) {
		t.Errorf("demo GitHub delivery: %d %.300s", code, body)
	}
	// The inbox: five threads besides the spam, one flagged, one a report,
	// and the acknowledgements queued (nothing is sent without --smtp-url).
	code, body = get(t, p.url+"/api/v1/inbox", token)
	if code != 200 || strings.Count(body, `"subject"`) != 5 || strings.Count(body, `"flagged":true`) != 1 ||
		strings.Count(body, `"report":`) != 1 || strings.Contains(body, "bounty of $1,000,000") {
		t.Errorf("demo inbox: %d %.600s", code, body)
	}
	code, body = get(t, p.url+"/api/v1/inbox/1", token)
	if code != 200 || !strings.Contains(body, `"delivery":"queued"`) || !strings.Contains(body, `"filename":"poc.py"`) {
		t.Errorf("demo thread: %d %.600s", code, body)
	}
	if m := regexp.MustCompile(`(/r/wardrep_\w+)`).FindStringSubmatch(p.output()); m == nil {
		t.Errorf("no reporter page in the demo output:\n%s", p.output())
	} else if code, body := get(t, p.url+m[1], ""); code != 200 || !strings.Contains(body, "Only to view them") || strings.Contains(body, "template helper") {
		t.Errorf("demo reporter page: %d %.300s", code, body)
	}
	if m := regexp.MustCompile(`Sign in to the web desk.*: (http://\S+/login/link/wardlink_\w+)`).FindStringSubmatch(p.output()); m == nil {
		t.Errorf("no sign-in link in the demo output:\n%s", p.output())
	} else {
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), `<form method="post"`) {
			t.Errorf("the sign-in link's page: %d %.300s", resp.StatusCode, page)
		}
		req, _ := http.NewRequest("POST", m[1], nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if resp, err = browser.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("the sign-in link: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, err = browser.Get(p.url + "/account")
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), "Signed in as") {
			t.Errorf("signed in by the demo's link: %d %.300s", resp.StatusCode, page)
		}
		resp, err = browser.Get(p.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "Pending handoffs") || !strings.Contains(string(page), "kubelet logs bearer tokens") {
			t.Errorf("the demo admin's dashboard shows no pending handoff")
		}
	}
	code, body = get(t, p.url+"/api/v1/handoffs?pending=true&from=me", token)
	if code != 200 || strings.Count(body, `"state":"pending"`) != 1 || !strings.Contains(body, `"to":"ben.carter@example.org"`) {
		t.Errorf("demo handoff: %d %s", code, body)
	}
	if code, body := get(t, p.url+"/api/v1/notifications", ""); code != 401 {
		t.Errorf("notifications without a token: %d %s", code, body)
	}
	code, body = get(t, p.url+"/api/v1/distributors/requests?state=pending", token)
	if code != 200 || strings.Count(body, `"state":"pending"`) != 2 {
		t.Errorf("demo distributors queue: %d %.300s", code, body)
	}
	if code, body := get(t, p.url+"/api/v1/distributors/export", token); code != 200 || body != "kubernetes-security@fabrikam.example\n" {
		t.Errorf("demo distributors list: %d %q", code, body)
	}
	code, body = get(t, p.url+"/api/v1/rotations/src/oncall", token)
	if code != 200 || !strings.Contains(body, `"handoff_note"`) {
		t.Errorf("demo rotation: %d %s", code, body)
	}
	// The brief is wired: the demo's shift in progress, its queues.
	code, body = get(t, p.url+"/api/v1/brief", token)
	if code != 200 || !strings.Contains(body, `"rotation":"src"`) || !strings.Contains(body, `"triage":{"count":`) {
		t.Errorf("demo brief: %d %.300s", code, body)
	}
	if code, body := get(t, p.url+"/api/v1/digest", token); code != 200 || !strings.Contains(body, `"needs_info":{"count":`) {
		t.Errorf("demo digest: %d %.300s", code, body)
	}
	if m := regexp.MustCompile(`(/calendar/wardcal_\w+\.ics)`).FindStringSubmatch(p.output()); m == nil {
		t.Errorf("no calendar feed in the demo output:\n%s", p.output())
	} else if code, body := get(t, p.url+m[1], ""); code != 200 || !strings.Contains(body, "BEGIN:VEVENT") || !strings.Contains(body, "override") {
		t.Errorf("demo calendar: %d %.300s", code, body)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("ward did not exit within 20s of SIGTERM")
	}
}

// TestKillLosesNoAcknowledgedWrite kills ward with SIGKILL in the middle of
// a burst of writes: every write that was answered 201 must be in the
// database afterwards.
func TestKillLosesNoAcknowledgedWrite(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "ward.db")
	c := &cli{t: t, db: db}
	c.ok("user", "add", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
	token := strings.TrimSpace(c.ok("token", "create", "--user", "admin@example.org"))
	p := startServe(t, "--db", db)

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("w%d-%d@example.org", w, i)
				req, _ := http.NewRequest("POST", p.url+"/api/v1/members", strings.NewReader(`{"email":"`+email+`","name":"N"}`))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, email)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once a good number of writes have been acknowledged.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 {
			break
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	_ = p.cmd.Wait()

	var ms []struct{ Email string }
	if err := json.Unmarshal([]byte(c.ok("user", "list", "--all", "-o", "json")), &ms); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, m := range ms {
		stored[m.Email] = true
	}
	if len(acked) < 50 {
		t.Fatalf("only %d writes were acknowledged before the kill; the test proves little", len(acked))
	}
	for _, e := range acked {
		if !stored[e] {
			t.Errorf("acknowledged write %s is lost", e)
		}
	}
	t.Logf("%d writes acknowledged before SIGKILL, %d members stored", len(acked), len(ms))
}
