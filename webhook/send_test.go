package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// pathToken stands for a token that a receiver put in its webhook URL.
const pathToken = "/hooks/tok_3f9a?key=k_77c1"

func delivery(url string) Delivery {
	return Delivery{
		URL:    url + pathToken,
		Secret: secret,
		ID:     "dlv_01J9ZQ",
		Event:  "report.created",
		Body:   payload,
		At:     signedAt,
	}
}

// checkSafe fails the test if err's message holds the body, the secret
// or the URL's path and query.
func checkSafe(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, s := range []string{string(payload), "embargoed", string(secret), "tok_3f9a", "k_77c1"} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q contains %q", msg, s)
		}
	}
}

func TestSendSignsTheDelivery(t *testing.T) {
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		if r.Method != http.MethodPost || r.URL.String() != pathToken {
			t.Errorf("request %s %s, want POST %s", r.Method, r.URL, pathToken)
		}
		if string(body) != string(payload) {
			t.Errorf("body %q, want %q", body, payload)
		}
		got = append(got, r.Header.Clone())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	c := &Client{}
	d := delivery(srv.URL)
	if err := c.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	// A retry is signed anew but keeps its delivery ID.
	d.At = d.At.Add(time.Minute)
	if err := c.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Time{signedAt, d.At} {
		if err := Verify(secret, got[i], payload, at, DefaultTolerance); err != nil {
			t.Errorf("attempt %d: Verify: %v", i+1, err)
		}
	}
	want := map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "ward-webhook/1",
		headerDelivery:  "dlv_01J9ZQ",
		headerEvent:     "report.created",
		headerTimestamp: "1772366400",
	}
	for name, value := range want {
		if v := got[0].Get(name); v != value {
			t.Errorf("%s: %q, want %q", name, v, value)
		}
	}
	if got[1].Get(headerDelivery) != got[0].Get(headerDelivery) {
		t.Errorf("retry has delivery ID %q, first attempt %q", got[1].Get(headerDelivery), got[0].Get(headerDelivery))
	}
	if got[1].Get(headerTimestamp) == got[0].Get(headerTimestamp) || got[1].Get(headerSignature) == got[0].Get(headerSignature) {
		t.Error("retry has the first attempt's timestamp or signature")
	}
}

func TestSendAnswers(t *testing.T) {
	tests := []struct {
		name           string
		status         int
		header         map[string]string
		wantPermanent  bool
		wantRetryAfter time.Duration
	}{
		{name: "200", status: 200},
		{name: "201", status: 201},
		{name: "204", status: 204},
		{name: "301", status: 301, header: map[string]string{"Location": "https://elsewhere.example/"}, wantPermanent: true},
		{name: "307", status: 307, header: map[string]string{"Location": "https://elsewhere.example/"}, wantPermanent: true},
		{name: "400", status: 400, wantPermanent: true},
		{name: "410", status: 410, wantPermanent: true},
		{name: "408", status: 408},
		{name: "425", status: 425},
		{name: "429 without Retry-After", status: 429},
		{name: "429 Retry-After seconds", status: 429, header: map[string]string{"Retry-After": "120"}, wantRetryAfter: 2 * time.Minute},
		{
			name:           "429 Retry-After date",
			status:         429,
			header:         map[string]string{"Date": "Sun, 01 Mar 2026 13:00:00 GMT", "Retry-After": "Sun, 01 Mar 2026 13:01:30 GMT"},
			wantRetryAfter: 90 * time.Second,
		},
		{
			// Without Date the signing time is the reference.
			name:           "503 Retry-After date without Date",
			status:         503,
			header:         map[string]string{"Date": "", "Retry-After": "Sun, 01 Mar 2026 12:05:00 GMT"},
			wantRetryAfter: 5 * time.Minute,
		},
		{name: "503 Retry-After in the past", status: 503, header: map[string]string{"Retry-After": "Thu, 01 Jan 2026 00:00:00 GMT"}},
		{name: "503 Retry-After garbled", status: 503, header: map[string]string{"Retry-After": "soon"}},
		{name: "503 Retry-After a century", status: 503, header: map[string]string{"Retry-After": "3153600000"}, wantRetryAfter: 24 * time.Hour},
		{name: "503 Retry-After negative past overflow", status: 503, header: map[string]string{"Retry-After": "-9223372037"}},
		{name: "500", status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					if v == "" {
						w.Header()[k] = nil // keeps net/http from adding its own
						continue
					}
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				// A receiver that echoes what it was sent.
				body, _ := io.ReadAll(r.Body)
				w.Write(body)
			}))
			defer srv.Close()

			err := (&Client{}).Send(context.Background(), delivery(srv.URL))
			if tt.status < 300 {
				if err != nil {
					t.Fatalf("Send: %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send: %v, want an *Error", err)
			}
			if e.StatusCode != tt.status || e.Permanent() != tt.wantPermanent || e.RetryAfter() != tt.wantRetryAfter {
				t.Errorf("status %d, permanent %t, retry after %s; want %d, %t, %s",
					e.StatusCode, e.Permanent(), e.RetryAfter(), tt.status, tt.wantPermanent, tt.wantRetryAfter)
			}
			if tt.status < 400 && !strings.Contains(err.Error(), "redirects") {
				t.Errorf("error %q does not say the URL redirects", err)
			}
			checkSafe(t, err)
		})
	}
}

func TestSendTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	start := time.Now()
	err := (&Client{Timeout: 200 * time.Millisecond}).Send(context.Background(), delivery(srv.URL))
	// Not a speed target: the error below shows the timeout cut the
	// send; this bound only turns a send that never ends into a failure.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Send took %s with a 200ms timeout", took)
	}
	var e *Error
	if !errors.As(err, &e) || e.Permanent() || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send: %v, want a temporary *Error wrapping the deadline", err)
	}
	if !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("error %q does not name the timeout", err)
	}
	checkSafe(t, err)
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	err = (&Client{}).Send(context.Background(), delivery("http://"+addr))
	var e *Error
	if !errors.As(err, &e) || e.Permanent() || e.StatusCode != 0 {
		t.Fatalf("Send: %v, want a temporary *Error without status", err)
	}
	checkSafe(t, err)
}

func TestSendRefusesUnusableDeliveries(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Delivery)
	}{
		{"ftp URL", func(d *Delivery) { d.URL = "ftp://example.org/hook" }},
		{"no host", func(d *Delivery) { d.URL = "https:///hook" }},
		{"unparsable URL", func(d *Delivery) { d.URL = "https://example.org/%zz" + pathToken }},
		{"relative URL", func(d *Delivery) { d.URL = pathToken }},
		{"no secret", func(d *Delivery) { d.Secret = nil }},
		{"no ID", func(d *Delivery) { d.ID = "" }},
		{"ID with a newline", func(d *Delivery) { d.ID = "a\nb" }},
		{"no event", func(d *Delivery) { d.Event = "" }},
		{"no signing time", func(d *Delivery) { d.At = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := delivery("https://receiver.example")
			tt.change(&d)
			err := (&Client{}).Send(context.Background(), d)
			var e *Error
			if !errors.As(err, &e) || !e.Permanent() {
				t.Fatalf("Send: %v, want a permanent *Error", err)
			}
			checkSafe(t, err)
		})
	}
}
