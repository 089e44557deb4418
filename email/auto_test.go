package email

import "testing"

func TestParseAuto(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"a person's mail", "From: Alice <alice@example.org>\r\n", ""},
		{"Auto-Submitted: no", "From: alice@example.org\r\nAuto-Submitted: no\r\n", ""},
		{"Auto-Submitted", "From: alice@example.org\r\nAuto-Submitted: auto-replied (vacation)\r\n", "Auto-Submitted: auto-replied"},
		{"Auto-Submitted generated", "From: alice@example.org\r\nAuto-Submitted: Auto-Generated\r\n", "Auto-Submitted: auto-generated"},
		{"Precedence bulk", "From: alice@example.org\r\nPrecedence: bulk\r\n", "Precedence: bulk"},
		{"Precedence list", "From: alice@example.org\r\nPrecedence: List\r\n", "Precedence: list"},
		{"Precedence junk", "From: alice@example.org\r\nPrecedence: junk\r\n", "Precedence: junk"},
		{"Precedence first-class", "From: alice@example.org\r\nPrecedence: first-class\r\n", ""},
		{"List-Id", "From: alice@example.org\r\nList-Id: <sec.lists.example.org>\r\n", "List-Id"},
		{"List-Unsubscribe", "From: alice@example.org\r\nList-Unsubscribe: <mailto:leave@example.org>\r\n", "List-Unsubscribe"},
		{"List-Post", "From: alice@example.org\r\nList-Post: <mailto:sec@example.org>\r\n", "List-Post"},
		{"empty Return-Path", "Return-Path: <>\r\nFrom: alice@example.org\r\n", "empty Return-Path"},
		{"Return-Path with an address", "Return-Path: <alice@example.org>\r\nFrom: alice@example.org\r\n", ""},
		{"delivery status report", "From: alice@example.org\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n", "delivery status report"},
		{"read receipt", "From: alice@example.org\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n", "read receipt"},
		{"MAILER-DAEMON", "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n", "sender MAILER-DAEMON"},
		{"postmaster", "From: postmaster@example.org\r\n", "sender postmaster"},
		{"X-Auto-Response-Suppress All", "From: alice@example.org\r\nX-Auto-Response-Suppress: All\r\n", "X-Auto-Response-Suppress: All"},
		{"X-Auto-Response-Suppress AutoReply", "From: alice@example.org\r\nX-Auto-Response-Suppress: DR, AutoReply\r\n", "X-Auto-Response-Suppress: AutoReply"},
		{"X-Auto-Response-Suppress OOF", "From: alice@example.org\r\nX-Auto-Response-Suppress: OOF\r\n", ""},
		{"X-Autoreply", "From: alice@example.org\r\nX-Autoreply: yes\r\n", "X-Autoreply"},
		{"X-Autorespond", "From: alice@example.org\r\nX-Autorespond: true\r\n", "X-Autorespond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse([]byte(tt.header + "Subject: x\r\n\r\nbody\r\n"))
			if got.Auto != tt.want {
				t.Errorf("Auto = %q, want %q", got.Auto, tt.want)
			}
		})
	}
}
