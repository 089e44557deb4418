package email

import "testing"

func TestSubjectKey(t *testing.T) {
	tests := []struct {
		subject, want string
	}{
		{"XSS in login", "xss in login"},
		{"Re: XSS in login", "xss in login"},
		{"RE: Re: re:XSS in login", "xss in login"},
		{"Fwd: FW: Fw: XSS in login", "xss in login"},
		{"AW: WG: SV: Antw: XSS in login", "xss in login"},
		{"Re[2]: XSS in login", "xss in login"},
		{"Re(3): XSS in login", "xss in login"},
		{"Re [12] : XSS in login", "xss in login"},
		{"[security] XSS in login", "xss in login"},
		{"Re: [security] Re: XSS in login", "xss in login"},
		{"[security] Re: XSS in login", "xss in login"},
		{"  XSS \t in\r\n   login  ", "xss in login"},
		{"Reply to XSS", "reply to xss"},
		{"Re[x]: not a count", "re[x]: not a count"},
		{"Re:", ""},
		{"[tag]", ""},
		{"", ""},
		{"Über-Problem", "über-problem"},
		{"[unclosed tag XSS", "[unclosed tag xss"},
	}
	for _, tt := range tests {
		if got := SubjectKey(tt.subject); got != tt.want {
			t.Errorf("SubjectKey(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}
