package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/wardsec/ward/auth"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
)

func TestUserSignInCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--email", "ana@example.org", "--name", "Ana", "--role", "admin")

	if _, _, err := c.run("short\n", "user", "passwd", "ana@example.org"); err == nil || !strings.Contains(describe(err), "12 characters") {
		t.Errorf("a short password: %v", err)
	}
	out, _, err := c.run("correct horse battery\n", "user", "passwd", "Ana@example.org")
	if err != nil || !strings.Contains(out, "password set") {
		t.Fatalf("passwd: %q, %v", out, err)
	}
	db, err := store.Open(context.Background(), c.db, store.Options{Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, cred, err := db.FindCredentials(context.Background(), "ana@example.org")
	if err != nil || !auth.VerifyPassword("correct horse battery", cred.PasswordHash) {
		t.Errorf("the stored password does not verify: %v", err)
	}

	out = c.ok("user", "link", "ana@example.org", "--public-url", "https://ward.example.org/")
	if !regexp.MustCompile(`^https://ward\.example\.org/login/link/wardlink_[a-z2-7]{52}\n$`).MatchString(out) {
		t.Errorf("link: %q", out)
	}
	if _, _, err := c.run("", "user", "link", "nobody@example.org"); err == nil {
		t.Errorf("a link for nobody")
	}

	if err := db.SetPendingTOTP(context.Background(), "ana@example.org", "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := db.ConfirmTOTP(context.Background(), "ana@example.org", "JBSWY3DPEHPK3PXP", 1); err != nil {
		t.Fatal(err)
	}
	c.ok("user", "totp", "disable", "ana@example.org")
	if _, cred, _ := db.FindCredentials(context.Background(), "ana@example.org"); cred.TOTP() {
		t.Errorf("TOTP still on")
	}
}
