package ward

import "unicode/utf8"

// Truncate cuts s to at most n bytes without splitting a character: text
// from outside made to fit a column, an index or a log line.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
