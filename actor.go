package ward

import "context"

// Actor is who makes a change: a signed-in member, the local command line, or
// ward itself. The audit log records it with every write.
type Actor struct {
	Kind  string // ActorMember, ActorCLI, ActorSystem, ActorReporter, ActorApplicant, ActorGitHub or ActorHackerOne
	Email string // the member's email, the OS user for ActorCLI, the reporter's address if known, the login on GitHub or HackerOne
	Role  Role   // the member's role; the CLI and the system act as admins; a reporter has none
}

// Kinds of actor.
const (
	ActorMember = "member"
	ActorCLI    = "cli"
	ActorSystem = "system"
	// ActorReporter is a report's reporter, through their private link: they
	// hold no role and reach nothing but their own report.
	ActorReporter = "reporter"
	// ActorApplicant is someone outside the team asking, for their
	// organisation, to join the distributors list: no role, and nothing
	// to reach but the request they send.
	ActorApplicant = "applicant"
	// ActorGitHub and ActorHackerOne are whoever acted on GitHub (what
	// its webhook reports) or on HackerOne (what the sync brings), by
	// their login there: no role in ward.
	ActorGitHub    = "github"
	ActorHackerOne = "hackerone"
)

// String names the actor as the audit log shows it.
func (a Actor) String() string {
	if a.Email == "" {
		return a.Kind
	}
	return a.Kind + ":" + a.Email
}

type contextKey int

const (
	actorKey contextKey = iota
	requestIDKey
)

// NewContextWithActor returns a context that carries the actor of the calls
// made with it.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFromContext returns the context's actor, or ward itself when none was
// set.
func ActorFromContext(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem, Role: RoleAdmin}
}

// NewContextWithRequestID returns a context that carries the ID of the HTTP
// request being served, so that audit entries and logs can name it.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request ID, or "" outside a request.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
