package reports

// Redact is redactor for the tests of package reports_test.
func Redact(passages []string, text string) string { return redactor(passages)(text) }
