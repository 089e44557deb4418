package email

import (
	"strings"

	"github.com/emersion/go-message"
)

// auto says why a message was sent by a machine, following RFC 3834 §2 and
// what mailing lists, bounces and Exchange do in practice, or "" for a
// person's mail. Answering such mail automatically risks a mail loop or a
// reply to a whole list.
func auto(h message.Header, from Address, returnPath string) string {
	if h.Has("Auto-Submitted") {
		v := firstWord(headerText(h, "Auto-Submitted"))
		if v == "" {
			return "Auto-Submitted"
		}
		if v != "no" {
			return "Auto-Submitted: " + v
		}
	}
	switch v := firstWord(headerText(h, "Precedence")); v {
	case "bulk", "list", "junk", "auto_reply":
		return "Precedence: " + v
	}
	for _, k := range []string{"List-Id", "List-Unsubscribe", "List-Post"} {
		if h.Has(k) {
			return k
		}
	}
	if returnPath == "<>" {
		return "empty Return-Path"
	}
	if ct, _ := contentType(headerText(h, "Content-Type")); ct.value == "multipart/report" {
		if strings.EqualFold(ct.params["report-type"], "disposition-notification") {
			return "read receipt"
		}
		return "delivery status report"
	}
	if i := strings.LastIndexByte(from.Addr, '@'); i > 0 {
		switch local := from.Addr[:i]; strings.ToLower(local) {
		case "mailer-daemon", "postmaster":
			return "sender " + local
		}
	}
	for _, v := range strings.Split(headerText(h, "X-Auto-Response-Suppress"), ",") {
		switch v = strings.TrimSpace(v); strings.ToLower(v) {
		case "all", "autoreply":
			return "X-Auto-Response-Suppress: " + v
		}
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond"} {
		if h.Has(k) {
			return k
		}
	}
	return ""
}

// firstWord is the lower-case keyword a field starts with, without the
// parameters or comment that may follow it.
func firstWord(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, " \t;("); i >= 0 {
		v = v[:i]
	}
	return v
}
