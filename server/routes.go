package server

// registerRoutes is the site map. Every /api/v1 route must also be in
// openapi.json; a test holds the two together.
func (s *Server) registerRoutes() {
	s.handle("GET /healthz", s.handleHealth)
	s.handle("GET /readyz", s.handleReady)

	s.handle("GET /api/v1/openapi.json", s.handleOpenAPI)
	s.handle("GET /api/v1/me", s.authenticated(s.handleMe))

	s.handle("GET /api/v1/members", s.authenticated(s.handleMemberList))
	s.handle("POST /api/v1/members", s.authenticated(s.handleMemberCreate))
	s.handle("GET /api/v1/members/{email}", s.authenticated(s.handleMemberView))
	s.handle("PATCH /api/v1/members/{email}", s.authenticated(s.handleMemberUpdate))

	s.handle("GET /api/v1/tokens", s.authenticated(s.handleTokenList))
	s.handle("POST /api/v1/tokens", s.authenticated(s.handleTokenCreate))
	s.handle("DELETE /api/v1/tokens/{id}", s.authenticated(s.handleTokenRevoke))

	s.handle("GET /api/v1/audit", s.authenticated(s.handleAuditList))

	s.handle("GET /api/v1/reports", s.authenticated(s.handleReportList))
	s.handle("POST /api/v1/reports", s.authenticated(s.handleReportCreate))
	s.handle("GET /api/v1/reports/{id}", s.authenticated(s.handleReportView))
	s.handle("GET /api/v1/reports/{id}/timeline", s.authenticated(s.handleReportTimeline))
	s.handle("GET /api/v1/reports/{id}/similar", s.authenticated(s.handleReportSimilar))
	s.handle("POST /api/v1/reports/{id}/actions", s.authenticated(s.handleReportAction))
	s.handle("POST /api/v1/reports/{id}/reporter-link", s.authenticated(s.handleReporterLinkCreate))
	s.handle("GET /api/v1/reports/{id}/export", s.authenticated(s.handleReportExport))
	s.handle("POST /api/v1/reports/{id}/handoffs", s.authenticated(s.handleHandoffCreate))

	s.handle("GET /api/v1/handoffs", s.authenticated(s.handleHandoffList))
	s.handle("GET /api/v1/handoffs/{id}", s.authenticated(s.handleHandoffView))
	s.handle("POST /api/v1/handoffs/{id}/accept", s.authenticated(s.handleHandoffAccept))
	s.handle("POST /api/v1/handoffs/{id}/decline", s.authenticated(s.handleHandoffDecline))
	s.handle("POST /api/v1/handoffs/{id}/cancel", s.authenticated(s.handleHandoffCancel))

	s.handle("GET /api/v1/inbox", s.authenticated(s.handleInboxList))
	s.handle("POST /api/v1/inbox/messages", s.authenticated(s.handleInboxReceive))
	s.handle("GET /api/v1/inbox/{id}", s.authenticated(s.handleInboxThread))
	s.handle("DELETE /api/v1/inbox/{id}", s.authenticated(s.handleInboxDelete))
	s.handle("GET /api/v1/inbox/{id}/messages/{mid}/raw", s.authenticated(s.handleInboxRaw))
	s.handle("GET /api/v1/inbox/{id}/similar", s.authenticated(s.handleInboxSimilar))
	s.handle("POST /api/v1/inbox/{id}/actions", s.authenticated(s.handleInboxAction))

	s.handle("GET /api/v1/filters", s.authenticated(s.handleFilterList))
	s.handle("GET /api/v1/filters/{name}", s.authenticated(s.handleFilterView))
	s.handle("PUT /api/v1/filters/{name}", s.authenticated(s.handleFilterSave))
	s.handle("DELETE /api/v1/filters/{name}", s.authenticated(s.handleFilterDelete))

	s.handle("GET /api/v1/brief", s.authenticated(s.handleBrief))
	s.handle("GET /api/v1/digest", s.authenticated(s.handleDigest))

	s.handle("GET /api/v1/notifications", s.authenticated(s.handleNotificationList))
	s.handle("POST /api/v1/notifications/{id}/read", s.authenticated(s.handleNotificationRead))
	s.handle("GET /api/v1/me/notify-prefs", s.authenticated(s.handleNotifyPrefsView))
	s.handle("PUT /api/v1/me/notify-prefs", s.authenticated(s.handleNotifyPrefsSave))
	s.handle("POST /api/v1/me/slack-link", s.authenticated(s.handleSlackLinkCode))
	s.handle("GET /api/v1/dispatches", s.authenticated(s.handleDispatchList))

	// Asking to join the distributors list needs no account; the list is
	// the team's.
	s.handle("POST /api/v1/distributors/requests", s.handleDistributorRequestCreate)
	s.handle("GET /api/v1/distributors/requests", s.authenticated(s.handleDistributorRequestList))
	s.handle("GET /api/v1/distributors/requests/{id}", s.authenticated(s.handleDistributorRequestView))
	s.handle("POST /api/v1/distributors/requests/{id}/approve", s.authenticated(s.handleDistributorApprove))
	s.handle("POST /api/v1/distributors/requests/{id}/decline", s.authenticated(s.handleDistributorDecline))
	s.handle("POST /api/v1/distributors/requests/{id}/remove", s.authenticated(s.handleDistributorRemove))
	s.handle("GET /api/v1/distributors/export", s.authenticated(s.handleDistributorExport))

	// Slack signs its slash command's requests instead of sending a token.
	s.handle("POST /api/v1/integrations/slack/commands", s.handleSlackCommand)
	// GitHub signs its webhook's deliveries with the webhook's secret.
	s.handle("POST /api/v1/integrations/github/webhook", s.handleGitHubWebhook)

	// The reporter has no account: their link's secret is the key.
	s.handle("GET /api/v1/reporter/{key}", s.handleReporterView)
	s.handle("POST /api/v1/reporter/{key}/actions", s.handleReporterAction)

	s.handle("POST /api/v1/cvss", s.authenticated(s.handleCVSS))
	s.handle("GET /api/v1/tiers", s.authenticated(s.handleTierList))
	s.handle("GET /api/v1/tiers/{name}", s.authenticated(s.handleTierView))

	s.handle("GET /api/v1/rotations", s.authenticated(s.handleRotationList))
	s.handle("POST /api/v1/rotations", s.authenticated(s.handleRotationCreate))
	s.handle("GET /api/v1/rotations/{name}", s.authenticated(s.handleRotationView))
	s.handle("PATCH /api/v1/rotations/{name}", s.authenticated(s.handleRotationUpdate))
	s.handle("GET /api/v1/rotations/{name}/oncall", s.authenticated(s.handleOnCall))
	s.handle("GET /api/v1/rotations/{name}/shifts", s.authenticated(s.handleShiftList))
	s.handle("GET /api/v1/rotations/{name}/gaps", s.authenticated(s.handleGapList))
	s.handle("GET /api/v1/rotations/{name}/overrides", s.authenticated(s.handleOverrideList))
	s.handle("POST /api/v1/rotations/{name}/overrides", s.authenticated(s.handleOverrideCreate))
	s.handle("DELETE /api/v1/rotations/{name}/overrides/{id}", s.authenticated(s.handleOverrideDelete))
	s.handle("POST /api/v1/rotations/{name}/swaps", s.authenticated(s.handleSwapCreate))
	s.handle("GET /api/v1/rotations/{name}/swap-requests", s.authenticated(s.handleSwapRequestList))
	s.handle("POST /api/v1/rotations/{name}/swap-requests", s.authenticated(s.handleSwapRequestCreate))
	s.handle("POST /api/v1/rotations/{name}/swap-requests/{id}/take", s.authenticated(s.handleSwapRequestTake))
	s.handle("POST /api/v1/rotations/{name}/swap-requests/{id}/cancel", s.authenticated(s.handleSwapRequestCancel))
	s.handle("GET /api/v1/rotations/{name}/handoff-notes", s.authenticated(s.handleHandoffNoteList))
	s.handle("POST /api/v1/rotations/{name}/handoff-notes", s.authenticated(s.handleHandoffNoteCreate))

	s.handle("GET /api/v1/members/{email}/time-off", s.authenticated(s.handleTimeOffList))
	s.handle("POST /api/v1/members/{email}/time-off", s.authenticated(s.handleTimeOffCreate))
	s.handle("DELETE /api/v1/members/{email}/time-off/{id}", s.authenticated(s.handleTimeOffDelete))

	s.handle("GET /api/v1/calendar-feeds", s.authenticated(s.handleCalendarFeedList))
	s.handle("POST /api/v1/calendar-feeds", s.authenticated(s.handleCalendarFeedCreate))
	s.handle("DELETE /api/v1/calendar-feeds/{id}", s.authenticated(s.handleCalendarFeedRevoke))

	// The public pages: the report form, the reporter's own page and the
	// distributors list's form.
	s.handle("GET /report", s.handleReportForm)
	s.handle("POST /report", s.handleReportFormPost)
	s.handle("GET /r/{key}", s.handleReporterPage)
	s.handle("POST /r/{key}", s.handleReporterPost)
	s.handle("GET /distributors/join", s.handleDistributorJoinForm)
	s.handle("POST /distributors/join", s.handleDistributorJoinPost)
	s.handle("GET /distributors/join/thanks", s.handleDistributorJoinThanks)
	s.handle("GET /static/ward.css", s.handleStylesheet)
	s.handle("GET /static/desk.js", s.handleDeskScript)

	// The desk: the team's pages, signed in.
	s.handle("GET /{$}", s.signedIn(s.handleDashboard))
	s.handle("GET /brief", s.signedIn(s.handleBriefPage))
	s.handle("GET /reports", s.signedIn(s.handleReportListPage))
	s.handle("GET /reports/{id}", s.signedIn(s.handleReportPage))
	s.handle("POST /reports/{id}/actions", s.signedIn(s.handleReportActionPost))
	s.handle("POST /reports/{id}/handoffs", s.signedIn(s.handleHandoffRequestPost))
	s.handle("POST /handoffs/{id}", s.signedIn(s.handleHandoffAnswerPost))
	s.handle("GET /inbox", s.signedIn(s.handleInboxPage))
	s.handle("GET /inbox/{id}", s.signedIn(s.handleThreadPage))
	s.handle("GET /inbox/{id}/messages/{mid}/raw", s.signedIn(s.handleThreadRawPage))
	s.handle("POST /inbox/{id}/actions", s.signedIn(s.handleThreadActionPost))
	s.handle("POST /inbox/{id}/delete", s.signedIn(s.handleThreadDeletePost))
	s.handle("GET /distributors", s.signedIn(s.handleDistributorsPage))
	s.handle("POST /distributors/{id}", s.signedIn(s.handleDistributorDecidePost))
	s.handle("GET /distributors/export", s.signedIn(s.handleDistributorExportPage))
	s.handle("GET /rotations", s.signedIn(s.handleRotationsPage))
	s.handle("GET /rotations/{name}", s.signedIn(s.handleRotationPage))
	s.handle("POST /rotations/{name}/overrides", s.signedIn(s.handleRotationOverridePost))
	s.handle("POST /rotations/{name}/swaps", s.signedIn(s.handleRotationSwapPost))
	s.handle("POST /rotations/{name}/swap-requests/{id}/take", s.signedIn(s.handleRotationSwapTake))
	s.handle("POST /rotations/{name}/swap-requests/{id}/cancel", s.signedIn(s.handleRotationSwapCancel))
	s.handle("POST /rotations/{name}/calendar-feed", s.signedIn(s.handleRotationFeedPost))
	s.handle("GET /admin/members", s.signedIn(s.handleAdminMembers))
	s.handle("GET /admin/audit", s.signedIn(s.handleAdminAudit))
	s.handle("GET /admin/outbox", s.signedIn(s.handleAdminOutbox))
	s.handle("GET /admin/tiers", s.signedIn(s.handleAdminTiers))
	s.handle("GET /admin/tokens", s.signedIn(s.handleAdminTokens))
	s.handle("POST /admin/tokens/{id}/revoke", s.signedIn(s.handleAdminTokenRevoke))

	// Signing in to the web desk; pages behind signedIn need a session.
	s.handle("GET /login", s.handleLogin)
	s.handle("POST /login", s.handleLoginPost)
	s.handle("GET /login/link/{secret}", s.handleLoginLinkPage)
	s.handle("POST /login/link/{secret}", s.handleLoginLink)
	s.handle("GET /login/oidc", s.handleLoginOIDC)
	s.handle("GET /login/oidc/callback", s.handleLoginOIDCCallback)
	s.handle("POST /logout", s.signedIn(s.handleLogout))
	s.handle("POST /logout/everywhere", s.signedIn(s.handleLogoutEverywhere))
	s.handle("GET /account", s.signedIn(s.handleAccount))
	s.handle("POST /account", s.signedIn(s.handleAccountPost))
	s.handle("GET /account/totp.png", s.signedIn(s.handleTOTPImage))

	// Calendar clients cannot sign in: the unguessable path is the key.
	s.handle("GET /calendar/{file}", s.handleCalendar)
}
