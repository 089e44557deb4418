// Package workflow is a report's life as a pure state machine: values in, a
// decision out. It does no I/O and reads no clock; the time of every action
// is part of the request, so that every deadline can be tested at an exact
// instant. Storing the report and its timeline, hiding spam from everyone
// but admins, and checking that a named member exists are the caller's job.
//
// Apply takes a report and one request (an action, who takes it, when, and
// its arguments) and returns the changed report and the timeline event, or
// a *ward.Error and the report unchanged:
//
//   - EFORBIDDEN when the actor may never take the action (a viewer acts at
//     all; a triager approves a bounty or makes a disclosure decision; the
//     reporter takes a team action; a team member agrees or objects to
//     disclosure for the reporter), or may not take it on this report
//     (reopening spam is an admin's; the proposer approves their own bounty;
//     a responder discloses over the reporter's objection);
//   - ECONFLICT when the report's state does not allow the action (nor an
//     awarded bounty a new proposal or approval), naming the state and the
//     actions Allowed for the actor;
//   - EINVALID when an argument is missing or bad, naming the field.
//
// Allowed(r, actor) is exactly the set of actions that Apply refuses with
// neither EFORBIDDEN nor ECONFLICT: each of them succeeds with good
// arguments. The time is an argument: a responder's disclose before the
// reporter's month is out is Allowed, and refused as EINVALID (at) until
// the month has passed.
//
// # States and actions
//
// The matrix gives the state after each action from each state; = means the
// action is allowed and the state stays, - that it is refused. Columns, in
// order: new, needs_info, invalid, duplicate, spam, triaged, tracked,
// resolved, disclosure_requested, disclosed, do_not_disclose.
//
//	action               new  info inv  dup  spam tri  trk  res  req  disc dnd
//	request_info         info -    -    -    -    -    -    -    -    -    -
//	answer               -    new  -    -    -    -    -    -    -    -    -
//	mark_invalid         inv  inv  -    -    -    -    -    -    -    -    -
//	mark_duplicate       dup  dup  -    -    -    -    -    -    -    -    -
//	mark_spam            spam spam -    -    -    -    -    -    -    -    -
//	triage               tri  -    -    -    -    -    -    -    -    -    -
//	track                -    -    -    -    -    trk  -    -    -    -    -
//	resolve              -    -    -    -    -    res  res  -    -    -    -
//	request_disclosure   -    -    -    -    -    -    -    req  req  -    -
//	agree_disclosure     -    -    -    -    -    -    -    -    =    -    -
//	object_disclosure    -    -    -    -    -    -    -    -    =    -    -
//	disclose             -    -    -    -    -    -    -    -    disc -    -
//	do_not_disclose      -    -    -    -    -    -    -    dnd  dnd  -    -
//	reopen               -    -    new  new  new  -    -    trk* -    -    res
//	assign               =    =    =    =    -    =    =    =    =    =    =
//	set_commander        -    -    -    -    -    =    =    =    =    -    -
//	comment              =    =    =    =    -    =    =    =    =    =    =
//	set_severity         =    =    -    -    -    =    =    -    -    -    -
//	propose_bounty       -    -    -    -    -    =b   =b   =b   =b   =b   =b
//	approve_bounty       -    -    -    -    -    =b   =b   =b   =b   =b   =b
//	label                =    =    =    =    -    =    =    =    =    =    =
//	update_tracking      -    -    -    -    -    -    =    =t   =t   =t   =t
//	ping                 -    -    -    -    -    =    =    -    -    -    -
//
//	trk*  reopening a resolved report takes it back to tracked when it has a
//	      tracking issue, to triaged when it has none
//	=b    propose_bounty until a bounty is awarded (a new proposal replaces a
//	      pending one); approve_bounty while a proposal is pending
//	=t    while the report has a tracking issue: not when it was resolved
//	      from triaged without one
//
// Who may take each action; each role includes the ones below it (admin,
// responder, triager), and a viewer may take none:
//
//	triager     request_info, answer, mark_invalid, mark_duplicate,
//	            mark_spam, triage, track, resolve, reopen (from invalid,
//	            duplicate, resolved), assign, set_commander, comment,
//	            set_severity, propose_bounty, label, update_tracking
//	responder   approve_bounty (not the proposer), request_disclosure,
//	            disclose (not over the reporter's objection),
//	            do_not_disclose, reopen (from do_not_disclose), ping
//	admin       reopen (from spam); disclose early or over an objection,
//	            with a reason; move a fix status back, with a reason
//	reporter    comment (not in needs_info: there the reply is answer),
//	            answer, agree_disclosure, object_disclosure
//
// The reporter acts through their private link, or ward relays their email
// or bounty-platform message: either way the Actor has Reporter set. Their
// comments are always reporter-visible. answer, agree_disclosure and
// object_disclosure were added to the actions for them.
//
// # Rules beyond the matrix
//
// needs_info holds a question to the reporter or a team-only note; an answer
// moves the report back to new, whether the reporter gives it or a team
// member records it (an answer from a teammate to a team-only question, or
// one relayed by the bounty platform's triage team). A report waiting for an
// answer may still be closed as invalid, duplicate or spam.
//
// triage needs a severity rating, set before or given in the request, and a
// tier. The rating is one of None, Low, Medium, High or Critical; the CVSS
// vector it was computed from is carried but not parsed here. set_severity
// changes the rating, and the tier when one is given.
//
// track files the tracking issue: an https URL, and the label Tracked, which
// stays while the report has a tracking issue. resolve needs the resolution
// comment; a triaged report with no tracking issue may be resolved too.
//
// A tracked report carries the fields of the team's tracking-issue
// template: a CVE id, the attribution (how the reporter wants to be
// credited) and a fix status, which track sets to planning. update_tracking
// changes the ones given and leaves the others: a CVE id (CVE-YYYY-NNNN
// with four or more digits, in any case, stored upper-case) or "" to clear
// it; an attribution of at most 200 bytes without control characters, or ""
// to clear it; a fix status, which cannot be cleared and moves forward only,
// planning, development, embargo, released, published, skipping steps if
// need be. Moving it back is refused (EINVALID fix_status), except by an
// admin who gives a reason (EINVALID reason without one): the reason is
// added to the event's comment, which it makes team-only, so a
// reporter-visible comment with it is refused (EINVALID visibility). A
// request that gives none of the three is EINVALID (action). The fields are
// the tracking issue's, so update_tracking needs one (ECONFLICT without, as
// in the matrix's =t); they outlive resolution and disclosure, since an
// advisory is published after the fix is released.
//
// A bounty may be proposed and awarded at any point after triage, before or
// after resolution. propose_bounty takes a positive amount in minor units
// and an ISO 4217-style currency (three upper-case letters); it must equal
// the entry of the tier's table for the rating, passed in the request,
// unless the proposer gives a reason. approve_bounty by a responder other
// than the proposer awards it; an awarded bounty is final. Both need an
// actor with an email, so ward itself cannot be the second person.
//
// Disclosure decisions are a responder's: a triager cannot disclose, and we
// read that as covering requesting a disclosure and deciding against one.
// request_disclosure is full, or redacted with the passages to redact;
// asking again (say, redacted after the reporter objected to full) replaces
// the request and restarts the reporter's month. The reporter may agree or
// object, and change their mind, until the report is disclosed. disclose is
// allowed when the reporter agreed, or when they have not answered and the
// month has passed (Deadline); otherwise, and over an objection, only by an
// admin who gives a reason. do_not_disclose needs a justification, and
// replaces a request if there is one.
//
// ping reminds whoever commands a triaged or tracked report that it has
// not been updated (see package reminders for when, and whom): it changes
// nothing, its event is team-only (EINVALID visibility for the reporter's),
// and the caller notifies the one pinged. ward itself pings on a schedule;
// a responder may ping by hand.
//
// reopen: invalid, duplicate and spam go back to new (spam by an admin
// only); resolved goes back to tracked or triaged; do_not_disclose goes back
// to resolved, with the decision cleared, so that disclosure can be decided
// again. A disclosure cannot be undone, so disclosed is final; the report
// may still be assigned, labelled, commented on and given its bounty.
//
// # Handoffs of incident command
//
// A handoff is not an Apply action: it is a record of its own beside the
// report (ward.Handoff), and only its acceptance changes the report.
// RequestHandoff and AnswerHandoff (handoff.go) hold its rules, with the
// same codes: the commander, or an admin for them, asks while the report
// is triaged or tracked; the runbook's context (open questions, decisions,
// pending actions) is required, and a tracked report needs the tracking
// issue confirmed up to date; the commander stays until the member it is
// to accepts. Only that member accepts or declines (with a reason); the
// one who asked, or an admin, cancels. An acceptance is refused when the
// commander changed since the request, or once set_commander is no longer
// allowed (disclosed, do_not_disclose).
//
// # The reporter's month
//
// Deadline is one calendar month after the request, on the UTC calendar so
// that the deadline is the same instant whatever zone the request time is
// written in and a DST change moves nothing. time.AddDate normalises an
// overflowing day (January 31 plus a month is March 3), which would give
// the reporter more than a month; we clamp instead to the last day of the
// next month: January 31 gives February 28, or February 29 in a leap year.
//
// Actions that change nothing (assigning the current assignee, adding a
// label already there) still return their event, with no Changes. Request
// fields that an action does not use are ignored.
package workflow
