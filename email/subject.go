package email

import (
	"strings"
	"unicode"
)

// replyPrefixes are the reply and forward markers of common mail clients, in
// English, German, Scandinavian and Dutch.
var replyPrefixes = []string{"re", "fwd", "fw", "aw", "wg", "sv", "antw"}

// SubjectKey is the subject used to group replies that lost their
// References: lower-case, without any run of leading "Re:", "Fwd:", "Fw:",
// "AW:", "WG:", "SV:", "Antw:" (any case, optional [n]/(n) counts), without
// leading "[list-name]" tags (mailing lists put them before or after the
// markers), whitespace collapsed. It is "" when nothing else is left.
func SubjectKey(subject string) string {
	s := strings.ToLower(subject)
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if rest, ok := cutReplyPrefix(s); ok {
			s = rest
			continue
		}
		if rest, ok := cutListTag(s); ok {
			s = rest
			continue
		}
		break
	}
	return strings.Join(strings.Fields(s), " ")
}

// cutReplyPrefix removes one marker such as "re:", "re[2]:", "aw (3) :".
func cutReplyPrefix(s string) (string, bool) {
	for _, p := range replyPrefixes {
		rest, ok := strings.CutPrefix(s, p)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		if len(rest) > 0 && (rest[0] == '[' || rest[0] == '(') {
			closer := "]"
			if rest[0] == '(' {
				closer = ")"
			}
			after := strings.TrimLeft(rest[1:], "0123456789")
			if len(after) == len(rest)-1 || !strings.HasPrefix(after, closer) {
				continue
			}
			rest = strings.TrimLeft(after[1:], " \t")
		}
		if rest, ok := strings.CutPrefix(rest, ":"); ok {
			return rest, true
		}
	}
	return s, false
}

// cutListTag removes a leading "[name]" tag.
func cutListTag(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return s, false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || strings.ContainsAny(s[1:end], "[") {
		return s, false
	}
	return s[end+1:], true
}
