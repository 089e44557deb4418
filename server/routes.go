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
}
