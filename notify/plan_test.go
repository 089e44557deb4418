package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestPlan(t *testing.T) {
	created := time.Date(2027, 3, 26, 17, 0, 0, 0, time.UTC)
	monday := time.Date(2027, 3, 29, 7, 0, 0, 0, time.UTC)
	ping := &ward.PendingNotification{Notification: ward.Notification{ID: 7, Member: "ana@example.org", Report: 12, Event: 30, Kind: "ping", CreatedAt: created},
		Title: "RCE in the kubelet\r\nBcc: x", Rating: "High", State: "tracked", Action: "ping"}
	critical := *ping
	critical.Kind, critical.Action, critical.Rating = KindNewReport, "create", "Critical"
	ana := Recipient{Active: true, Prefs: ward.DefaultNotifyPrefs("ana@example.org"), NextWorking: monday}
	siem := ward.NotifyChannel{Name: "siem", Kind: ward.ChannelWebhook, URL: "https://siem.example.org", SecretEnv: "S"}
	bot := ward.NotifyChannel{Name: "sec", Kind: ward.ChannelSlack, TokenEnv: "T", Channel: "C1", Kinds: []string{KindNewReport}}
	hook := ward.NotifyChannel{Name: "sec-hook", Kind: ward.ChannelSlack, URLEnv: "U"}

	type want struct {
		key, channel, target string
		due                  time.Time
	}
	tests := []struct {
		name     string
		n        *ward.PendingNotification
		to       Recipient
		channels []ward.NotifyChannel
		want     []want
	}{
		{"by email at the next working hour", ping, ana, nil,
			[]want{{"n:7:email", ward.ChannelEmail, "ana@example.org", monday}}},
		{"a new critical report goes at once", &critical, ana, nil,
			[]want{{"n:7:email", ward.ChannelEmail, "ana@example.org", created}}},
		{"any hour goes at once", ping, Recipient{Active: true, Prefs: ward.NotifyPrefs{Email: true, AnyHour: true}, NextWorking: monday}, nil,
			[]want{{"n:7:email", ward.ChannelEmail, "ana@example.org", created}}},
		{"nobody works within a year: at once rather than never", ping, Recipient{Active: true, Prefs: ward.NotifyPrefs{Email: true}}, nil,
			[]want{{"n:7:email", ward.ChannelEmail, "ana@example.org", created}}},
		{"a Slack DM needs a bot", ping, Recipient{Active: true, Prefs: ward.NotifyPrefs{Slack: "U0ANA"}, NextWorking: monday}, []ward.NotifyChannel{hook},
			[]want{{"e:30:channel:sec-hook", ward.ChannelSlack, "sec-hook", created}}},
		{"a Slack DM through the bot; its channel wants new reports only", ping, Recipient{Active: true, Prefs: ward.NotifyPrefs{Slack: "U0ANA"}, NextWorking: monday}, []ward.NotifyChannel{bot},
			[]want{{"n:7:slack", ward.ChannelSlack, "U0ANA", monday}}},
		{"team channels at once", &critical, ana, []ward.NotifyChannel{siem, bot},
			[]want{{"n:7:email", ward.ChannelEmail, "ana@example.org", created}, {"e:30:channel:siem", ward.ChannelWebhook, "siem", created}, {"e:30:channel:sec", ward.ChannelSlack, "sec", created}}},
		{"a member who left: the team channels only", ping, Recipient{}, []ward.NotifyChannel{siem},
			[]want{{"e:30:channel:siem", ward.ChannelWebhook, "siem", created}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(tt.n, tt.to, tt.channels, "https://ward.example.org/")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d dispatches %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				d := got[i]
				if d.Key != w.key || d.Channel != w.channel || d.Target != w.target || !d.DueAt.Equal(w.due) {
					t.Errorf("dispatch %d = %s %s %s due %v, want %s %s %s due %v", i, d.Key, d.Channel, d.Target, d.DueAt, w.key, w.channel, w.target, w.due)
				}
				if d.Report != 12 || d.Notification != 7 || d.Urgent != (tt.n == &critical) {
					t.Errorf("dispatch %d = %+v", i, d)
				}
				if strings.ContainsAny(d.Subject, "\r\n") {
					t.Errorf("subject %q has a line break from the title", d.Subject)
				}
				if d.Member == "" && strings.Contains(d.Body, "RCE") {
					t.Errorf("a team channel was told the title: %q", d.Body)
				}
				if d.Member != "" && !strings.Contains(d.Body, "RCE in the kubelet Bcc: x") {
					t.Errorf("the member was not told the title: %q", d.Body)
				}
			}
		})
	}
	t.Run("a webhook's payload", func(t *testing.T) {
		d := Plan(ping, Recipient{}, []ward.NotifyChannel{siem}, "https://ward.example.org")[0]
		var p Payload
		if err := json.Unmarshal([]byte(d.Body), &p); err != nil {
			t.Fatal(err)
		}
		if p.ID != "e:30:channel:siem" || p.Kind != "ping" || p.Member != "ana@example.org" || p.Event != 30 || p.Report.ID != 12 ||
			p.Report.Rating != "high" || p.Report.URL != "https://ward.example.org/reports/12" || !p.Occurred.Equal(created) {
			t.Errorf("payload = %+v", p)
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		attempts int
		want     time.Duration
	}{{1, 15 * time.Second}, {2, 30 * time.Second}, {5, 240 * time.Second}, {9, time.Hour}, {29, time.Hour}} {
		if got := Backoff(tt.attempts); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
		}
	}
}
