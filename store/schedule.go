package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// memberIDFor returns the ID of the active member with the email, or an
// EINVALID error naming field.
func (tx *Tx) memberIDFor(ctx context.Context, field, email string) (int64, string, error) {
	m, err := findMemberByEmail(ctx, tx.queryRow, email)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return 0, "", ward.Errorf(ward.EINVALID, "%s: no member has the email %q", field, email)
	}
	if err != nil {
		return 0, "", err
	}
	if m.Disabled {
		return 0, "", ward.Errorf(ward.EINVALID, "%s: %s is disabled", field, m.Email)
	}
	return m.ID, m.Email, nil
}

// maxNote bounds the free text that comes with overrides, time off and swap
// requests.
const maxNote = 1000

// checkNote refuses free text over maxNote bytes, naming the field.
func checkNote(field, text string) error {
	if len(text) > maxNote {
		return ward.Errorf(ward.EINVALID, "%s: longer than %d bytes", field, maxNote)
	}
	return nil
}

func checkRange(start, end time.Time) error {
	if start.IsZero() || end.IsZero() {
		return ward.Errorf(ward.EINVALID, "start and end: both are required")
	}
	if !end.After(start) {
		return ward.Errorf(ward.EINVALID, "end: must be after start")
	}
	return nil
}

const overrideColumns = `overrides.id, rotations.name, members.email, overrides.starts_at, overrides.ends_at, overrides.reason,
	overrides.created_by, overrides.created_at, overrides.deleted_at`

const overridesJoin = `overrides JOIN rotations ON rotations.id = overrides.rotation_id JOIN members ON members.id = overrides.member_id`

func scanOverride(row scanner) (ward.Override, error) {
	var o ward.Override
	var start, end, created int64
	var deleted sql.NullInt64
	if err := row.Scan(&o.ID, &o.Rotation, &o.Member, &start, &end, &o.Reason, &o.CreatedBy, &created, &deleted); err != nil {
		return o, err
	}
	o.Start, o.End, o.CreatedAt, o.DeletedAt = fromMicros(start), fromMicros(end), fromMicros(created), fromNullMicros(deleted)
	return o, nil
}

// findOverrides returns a rotation's overrides, deleted ones too, oldest
// first.
func findOverrides(ctx context.Context, query queryFunc, rotationID int64) ([]ward.Override, error) {
	rows, err := query(ctx, `SELECT `+overrideColumns+` FROM `+overridesJoin+` WHERE overrides.rotation_id = ? ORDER BY overrides.id`, rotationID)
	if err != nil {
		return nil, fmt.Errorf("find overrides: %w", err)
	}
	return collect(rows, "overrides", scanOverride)
}

// CreateOverrides stores the overrides in one transaction, or none; the
// schedule must still be at version.
func (db *DB) CreateOverrides(ctx context.Context, name string, version int64, overrides []ward.Override) ([]ward.Override, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if err := tx.checkVersion(ctx, version); err != nil {
		return nil, err
	}
	r, err := findRotation(ctx, tx.query, name)
	if err != nil {
		return nil, err
	}
	out := make([]ward.Override, 0, len(overrides))
	for _, o := range overrides {
		o.Rotation = r.Name
		created, err := tx.insertOverride(ctx, r.ID, o)
		if err != nil {
			return nil, err
		}
		out = append(out, created)
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return nil, err
	}
	return out, tx.commit()
}

func (tx *Tx) insertOverride(ctx context.Context, rotationID int64, o ward.Override) (ward.Override, error) {
	if err := checkRange(o.Start, o.End); err != nil {
		return o, err
	}
	if err := checkNote("reason", o.Reason); err != nil {
		return o, err
	}
	mid, email, err := tx.memberIDFor(ctx, "member", o.Member)
	if err != nil {
		return o, err
	}
	o.Member, o.CreatedBy, o.CreatedAt = email, ward.ActorFromContext(ctx).String(), tx.now
	o.Start, o.End = o.Start.UTC().Truncate(time.Microsecond), o.End.UTC().Truncate(time.Microsecond)
	o.Reason = strings.TrimSpace(o.Reason)
	err = tx.queryRow(ctx, `INSERT INTO overrides (rotation_id, member_id, starts_at, ends_at, reason, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, rotationID, mid, micros(o.Start), micros(o.End), o.Reason, o.CreatedBy, micros(tx.now)).Scan(&o.ID)
	if err != nil {
		return o, fmt.Errorf("insert override: %w", err)
	}
	err = tx.audit(ctx, "override.create", fmt.Sprintf("override/%d", o.ID), ward.Diff{
		"rotation": {nil, o.Rotation}, "member": {nil, o.Member}, "start": {nil, o.Start}, "end": {nil, o.End}, "reason": {nil, o.Reason}})
	return o, err
}

// DeleteOverride marks the override deleted.
func (db *DB) DeleteOverride(ctx context.Context, name string, id int64) (*ward.Override, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	o, err := scanOverride(tx.queryRow(ctx, `SELECT `+overrideColumns+` FROM `+overridesJoin+` WHERE overrides.id = ? AND rotations.name = ?`, id, name))
	if errors.Is(err, sql.ErrNoRows) || err == nil && o.DeletedAt != nil {
		return nil, ward.Errorf(ward.ENOTFOUND, "rotation %s has no override %d", name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find override %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `UPDATE overrides SET deleted_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
		return nil, fmt.Errorf("delete override %d: %w", id, err)
	}
	o.DeletedAt = &tx.now
	if err := tx.audit(ctx, "override.delete", fmt.Sprintf("override/%d", id), ward.Diff{"deleted_at": {nil, tx.now}}); err != nil {
		return nil, err
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return nil, err
	}
	return &o, tx.commit()
}

const timeOffColumns = `time_off.id, members.email, time_off.starts_at, time_off.ends_at, time_off.reason, time_off.created_at`

func findTimeOff(ctx context.Context, query queryFunc, email string) ([]*ward.TimeOff, error) {
	rows, err := query(ctx, `SELECT `+timeOffColumns+` FROM time_off JOIN members ON members.id = time_off.member_id
		WHERE members.email = ? ORDER BY time_off.starts_at`, email)
	if err != nil {
		return nil, fmt.Errorf("find time off: %w", err)
	}
	return collect(rows, "time off", func(row scanner) (*ward.TimeOff, error) {
		var t ward.TimeOff
		var start, end, created int64
		if err := row.Scan(&t.ID, &t.Member, &start, &end, &t.Reason, &created); err != nil {
			return nil, err
		}
		t.Start, t.End, t.CreatedAt = fromMicros(start), fromMicros(end), fromMicros(created)
		return &t, nil
	})
}

// FindTimeOff returns the member's time off, earliest first.
func (db *DB) FindTimeOff(ctx context.Context, member string) ([]*ward.TimeOff, error) {
	m, err := db.FindMemberByEmail(ctx, member)
	if err != nil {
		return nil, err
	}
	return findTimeOff(ctx, db.query, m.Email)
}

// CreateTimeOff records a member's time off.
func (db *DB) CreateTimeOff(ctx context.Context, t *ward.TimeOff) error {
	if err := checkRange(t.Start, t.End); err != nil {
		return err
	}
	if err := checkNote("reason", t.Reason); err != nil {
		return err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	mid, email, err := tx.memberIDFor(ctx, "member", t.Member)
	if err != nil {
		return err
	}
	t.Member, t.CreatedAt, t.Reason = email, tx.now, strings.TrimSpace(t.Reason)
	t.Start, t.End = t.Start.UTC().Truncate(time.Microsecond), t.End.UTC().Truncate(time.Microsecond)
	if err := tx.queryRow(ctx, `INSERT INTO time_off (member_id, starts_at, ends_at, reason, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		mid, micros(t.Start), micros(t.End), t.Reason, micros(tx.now)).Scan(&t.ID); err != nil {
		return fmt.Errorf("insert time off: %w", err)
	}
	if err := tx.audit(ctx, "time_off.create", fmt.Sprintf("time_off/%d", t.ID), ward.Diff{
		"member": {nil, email}, "start": {nil, t.Start}, "end": {nil, t.End}, "reason": {nil, t.Reason}}); err != nil {
		return err
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return err
	}
	return tx.commit()
}

// DeleteTimeOff removes a member's time off.
func (db *DB) DeleteTimeOff(ctx context.Context, member string, id int64) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	key, _ := ward.NormalizeEmail(member)
	res, err := tx.exec(ctx, `DELETE FROM time_off WHERE id = ? AND member_id = (SELECT id FROM members WHERE email = ?)`, id, key)
	if err != nil {
		return fmt.Errorf("delete time off %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ward.Errorf(ward.ENOTFOUND, "%s has no time off %d", key, id)
	}
	if err := tx.audit(ctx, "time_off.delete", fmt.Sprintf("time_off/%d", id), ward.Diff{"member": {key, nil}}); err != nil {
		return err
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return err
	}
	return tx.commit()
}

const swapColumns = `swap_requests.id, rotations.name, requesters.email, swap_requests.starts_at, swap_requests.ends_at, swap_requests.note,
	swap_requests.status, COALESCE(takers.email, ''), COALESCE(swap_requests.override_id, 0), swap_requests.created_at, swap_requests.updated_at`

const swapJoin = `swap_requests JOIN rotations ON rotations.id = swap_requests.rotation_id
	JOIN members requesters ON requesters.id = swap_requests.requester_id
	LEFT JOIN members takers ON takers.id = swap_requests.taken_by`

func scanSwap(row scanner) (*ward.SwapRequest, error) {
	var r ward.SwapRequest
	var start, end, created, updated int64
	if err := row.Scan(&r.ID, &r.Rotation, &r.Requester, &start, &end, &r.Note, &r.Status, &r.TakenBy, &r.Override, &created, &updated); err != nil {
		return nil, err
	}
	r.Start, r.End, r.CreatedAt, r.UpdatedAt = fromMicros(start), fromMicros(end), fromMicros(created), fromMicros(updated)
	return &r, nil
}

// CreateSwapRequest records a member's request for cover.
func (db *DB) CreateSwapRequest(ctx context.Context, r *ward.SwapRequest) error {
	if err := checkRange(r.Start, r.End); err != nil {
		return err
	}
	if err := checkNote("note", r.Note); err != nil {
		return err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	rot, err := findRotation(ctx, tx.query, r.Rotation)
	if err != nil {
		return err
	}
	mid, email, err := tx.memberIDFor(ctx, "requester", r.Requester)
	if err != nil {
		return err
	}
	r.Requester, r.Status, r.CreatedAt, r.UpdatedAt, r.Note = email, ward.SwapOpen, tx.now, tx.now, strings.TrimSpace(r.Note)
	r.Start, r.End = r.Start.UTC().Truncate(time.Microsecond), r.End.UTC().Truncate(time.Microsecond)
	if err := tx.queryRow(ctx, `INSERT INTO swap_requests (rotation_id, requester_id, starts_at, ends_at, note, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, rot.ID, mid, micros(r.Start), micros(r.End), r.Note, r.Status, micros(tx.now), micros(tx.now)).Scan(&r.ID); err != nil {
		return fmt.Errorf("insert swap request: %w", err)
	}
	if err := tx.audit(ctx, "swap_request.create", fmt.Sprintf("swap_request/%d", r.ID), ward.Diff{
		"rotation": {nil, r.Rotation}, "requester": {nil, email}, "start": {nil, r.Start}, "end": {nil, r.End}}); err != nil {
		return err
	}
	return tx.commit()
}

// FindSwapRequests returns a rotation's swap requests, newest first;
// status "" selects every state.
func (db *DB) FindSwapRequests(ctx context.Context, name, status string) ([]*ward.SwapRequest, error) {
	if _, err := db.FindRotationByName(ctx, name); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+swapColumns+` FROM `+swapJoin+` WHERE rotations.name = ? AND (? = '' OR swap_requests.status = ?)
		ORDER BY swap_requests.id DESC`, name, status, status)
	if err != nil {
		return nil, fmt.Errorf("find swap requests: %w", err)
	}
	return collect(rows, "swap requests", scanSwap)
}

// FindSwapRequestByID returns ENOTFOUND unless the rotation has the request.
func (db *DB) FindSwapRequestByID(ctx context.Context, name string, id int64) (*ward.SwapRequest, error) {
	return findSwap(ctx, db.queryRow, name, id)
}

func findSwap(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, name string, id int64) (*ward.SwapRequest, error) {
	r, err := scanSwap(queryRow(ctx, `SELECT `+swapColumns+` FROM `+swapJoin+` WHERE swap_requests.id = ? AND rotations.name = ?`, id, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "rotation %s has no swap request %d", name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find swap request %d: %w", id, err)
	}
	return r, nil
}

// TakeSwapRequest gives the requested range to the taker with an override
// and marks the request taken, in one transaction.
func (db *DB) TakeSwapRequest(ctx context.Context, name string, id int64, taker string, version int64) (*ward.SwapRequest, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if err := tx.checkVersion(ctx, version); err != nil {
		return nil, err
	}
	r, err := findSwap(ctx, tx.queryRow, name, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ward.SwapOpen {
		return nil, ward.Errorf(ward.ECONFLICT, "swap request %d is %s, not open", id, r.Status)
	}
	rot, err := findRotation(ctx, tx.query, name)
	if err != nil {
		return nil, err
	}
	o, err := tx.insertOverride(ctx, rot.ID, ward.Override{Rotation: name, Member: taker, Start: r.Start, End: r.End,
		Reason: fmt.Sprintf("covers swap request %d of %s", id, r.Requester)})
	if err != nil {
		return nil, err
	}
	takerID, _, err := tx.memberIDFor(ctx, "taker", taker)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE swap_requests SET status = ?, taken_by = ?, override_id = ?, updated_at = ? WHERE id = ?`,
		ward.SwapTaken, takerID, o.ID, micros(tx.now), id); err != nil {
		return nil, fmt.Errorf("take swap request %d: %w", id, err)
	}
	r.Status, r.TakenBy, r.Override, r.UpdatedAt = ward.SwapTaken, o.Member, o.ID, tx.now
	if err := tx.audit(ctx, "swap_request.take", fmt.Sprintf("swap_request/%d", id), ward.Diff{
		"status": {ward.SwapOpen, ward.SwapTaken}, "taken_by": {nil, o.Member}, "override": {nil, o.ID}}); err != nil {
		return nil, err
	}
	if err := tx.bumpSchedule(ctx); err != nil {
		return nil, err
	}
	return r, tx.commit()
}

// CancelSwapRequest withdraws an open request.
func (db *DB) CancelSwapRequest(ctx context.Context, name string, id int64) (*ward.SwapRequest, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	r, err := findSwap(ctx, tx.queryRow, name, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ward.SwapOpen {
		return nil, ward.Errorf(ward.ECONFLICT, "swap request %d is %s, not open", id, r.Status)
	}
	if _, err := tx.exec(ctx, `UPDATE swap_requests SET status = ?, updated_at = ? WHERE id = ?`, ward.SwapCancelled, micros(tx.now), id); err != nil {
		return nil, fmt.Errorf("cancel swap request %d: %w", id, err)
	}
	r.Status, r.UpdatedAt = ward.SwapCancelled, tx.now
	if err := tx.audit(ctx, "swap_request.cancel", fmt.Sprintf("swap_request/%d", id), ward.Diff{"status": {ward.SwapOpen, ward.SwapCancelled}}); err != nil {
		return nil, err
	}
	return r, tx.commit()
}

// CreateHandoffNote stores the note of a shift's handoff.
func (db *DB) CreateHandoffNote(ctx context.Context, n *ward.HandoffNote) error {
	n.Body = strings.TrimSpace(n.Body)
	if n.Body == "" {
		return ward.Errorf(ward.EINVALID, "body: must not be empty")
	}
	if len(n.Body) > 64<<10 {
		return ward.Errorf(ward.EINVALID, "body: longer than 64 KiB")
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	rot, err := findRotation(ctx, tx.query, n.Rotation)
	if err != nil {
		return err
	}
	aid, email, err := tx.memberIDFor(ctx, "author", n.Author)
	if err != nil {
		return err
	}
	n.Author, n.CreatedAt, n.ShiftStart = email, tx.now, n.ShiftStart.UTC().Truncate(time.Microsecond)
	if err := tx.queryRow(ctx, `INSERT INTO handoff_notes (rotation_id, shift_start, author_id, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		rot.ID, micros(n.ShiftStart), aid, n.Body, micros(tx.now)).Scan(&n.ID); err != nil {
		return fmt.Errorf("insert handoff note: %w", err)
	}
	// The body may hold embargoed details: the audit log records that a
	// note was written, not what it says.
	if err := tx.audit(ctx, "handoff_note.create", fmt.Sprintf("handoff_note/%d", n.ID), ward.Diff{
		"rotation": {nil, n.Rotation}, "shift_start": {nil, n.ShiftStart}, "author": {nil, email}}); err != nil {
		return err
	}
	if err := tx.bumpSchedule(ctx); err != nil { // schedules carry the latest notes
		return err
	}
	return tx.commit()
}

// handoffNotesInSchedule is how many of the latest notes a schedule
// carries: enough for the current shift and the ones around it.
const handoffNotesInSchedule = 10

// FindHandoffNotes returns a rotation's handoff notes, newest shift first.
func (db *DB) FindHandoffNotes(ctx context.Context, name string, limit int) ([]*ward.HandoffNote, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if _, err := db.FindRotationByName(ctx, name); err != nil {
		return nil, err
	}
	return findHandoffNotes(ctx, db.query, name, limit)
}

func findHandoffNotes(ctx context.Context, query queryFunc, name string, limit int) ([]*ward.HandoffNote, error) {
	rows, err := query(ctx, `SELECT handoff_notes.id, rotations.name, handoff_notes.shift_start, members.email, handoff_notes.body, handoff_notes.created_at
		FROM handoff_notes JOIN rotations ON rotations.id = handoff_notes.rotation_id JOIN members ON members.id = handoff_notes.author_id
		WHERE rotations.name = ? ORDER BY handoff_notes.shift_start DESC, handoff_notes.id DESC LIMIT ?`, name, limit)
	if err != nil {
		return nil, fmt.Errorf("find handoff notes: %w", err)
	}
	return collect(rows, "handoff notes", func(row scanner) (*ward.HandoffNote, error) {
		var n ward.HandoffNote
		var shift, created int64
		if err := row.Scan(&n.ID, &n.Rotation, &shift, &n.Author, &n.Body, &created); err != nil {
			return nil, err
		}
		n.ShiftStart, n.CreatedAt = fromMicros(shift), fromMicros(created)
		return &n, nil
	})
}

// FeedPrefix starts every calendar feed secret.
const FeedPrefix = "wardcal_"

const feedColumns = `calendar_feeds.id, COALESCE(rotations.name, ''), COALESCE(members.email, ''), calendar_feeds.created_by,
	calendar_feeds.created_at, calendar_feeds.revoked_at`

const feedJoin = `calendar_feeds LEFT JOIN rotations ON rotations.id = calendar_feeds.rotation_id
	LEFT JOIN members ON members.id = calendar_feeds.member_id`

func scanFeed(row scanner) (*ward.CalendarFeed, error) {
	var f ward.CalendarFeed
	var created int64
	var revoked sql.NullInt64
	if err := row.Scan(&f.ID, &f.Rotation, &f.Member, &f.CreatedBy, &created, &revoked); err != nil {
		return nil, err
	}
	f.CreatedAt, f.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return &f, nil
}

// CreateCalendarFeed issues a feed of a rotation or of a member and returns
// its secret, which is shown once.
func (db *DB) CreateCalendarFeed(ctx context.Context, f *ward.CalendarFeed) (string, error) {
	if (f.Rotation == "") == (f.Member == "") {
		return "", ward.Errorf(ward.EINVALID, "rotation or member: name exactly one")
	}
	secret, err := db.newSecret(FeedPrefix)
	if err != nil {
		return "", fmt.Errorf("create calendar feed: %w", err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.rollback()
	var rotationID, memberID sql.NullInt64
	if f.Rotation != "" {
		r, err := findRotation(ctx, tx.query, f.Rotation)
		if err != nil {
			return "", ward.Errorf(ward.EINVALID, "rotation: %s", ward.ErrorMessage(err))
		}
		rotationID = sql.NullInt64{Int64: r.ID, Valid: true}
	} else {
		id, email, err := tx.memberIDFor(ctx, "member", f.Member)
		if err != nil {
			return "", err
		}
		memberID, f.Member = sql.NullInt64{Int64: id, Valid: true}, email
	}
	f.CreatedBy, f.CreatedAt = ward.ActorFromContext(ctx).String(), tx.now
	if err := tx.queryRow(ctx, `INSERT INTO calendar_feeds (hash, rotation_id, member_id, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		hashSecret(secret), rotationID, memberID, f.CreatedBy, micros(tx.now)).Scan(&f.ID); err != nil {
		return "", fmt.Errorf("insert calendar feed: %w", err)
	}
	if err := tx.audit(ctx, "calendar_feed.create", fmt.Sprintf("calendar_feed/%d", f.ID), ward.Diff{
		"rotation": {nil, f.Rotation}, "member": {nil, f.Member}}); err != nil {
		return "", err
	}
	return secret, tx.commit()
}

// FindCalendarFeeds returns the feeds that the filter selects, newest
// first.
func (db *DB) FindCalendarFeeds(ctx context.Context, f ward.CalendarFeedFilter) ([]*ward.CalendarFeed, error) {
	rows, err := db.query(ctx, `SELECT `+feedColumns+` FROM `+feedJoin+`
		WHERE (? = '' AND ? = '') OR calendar_feeds.created_by = ? OR members.email = ? ORDER BY calendar_feeds.id DESC`,
		f.CreatedBy, f.Member, f.CreatedBy, f.Member)
	if err != nil {
		return nil, fmt.Errorf("find calendar feeds: %w", err)
	}
	return collect(rows, "calendar feeds", scanFeed)
}

// FindCalendarFeedBySecret returns ENOTFOUND for an unknown or revoked
// secret: a feed URL that stopped working says no more than one that never
// did.
// Calendar clients poll; lookups are cached like token checks.
func (db *DB) FindCalendarFeedBySecret(ctx context.Context, secret string) (*ward.CalendarFeed, error) {
	hash, now := hashSecret(secret), db.now()
	hit, gen, ok := db.feeds.get(hash, now)
	if ok {
		return &hit, nil
	}
	f, err := scanFeed(db.queryRow(ctx, `SELECT `+feedColumns+` FROM `+feedJoin+` WHERE calendar_feeds.hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) || err == nil && f.RevokedAt != nil {
		return nil, ward.Errorf(ward.ENOTFOUND, "no such calendar")
	}
	if err != nil {
		return nil, fmt.Errorf("find calendar feed: %w", err)
	}
	db.feeds.put(hash, *f, now, gen)
	return f, nil
}

// RevokeCalendarFeed stops a feed; revoking it again changes nothing.
func (db *DB) RevokeCalendarFeed(ctx context.Context, id int64) (*ward.CalendarFeed, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	f, err := scanFeed(tx.queryRow(ctx, `SELECT `+feedColumns+` FROM `+feedJoin+` WHERE calendar_feeds.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no calendar feed has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("revoke calendar feed %d: %w", id, err)
	}
	if f.RevokedAt != nil {
		return f, nil
	}
	if _, err := tx.exec(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
		return nil, fmt.Errorf("revoke calendar feed %d: %w", id, err)
	}
	f.RevokedAt = &tx.now
	if err := tx.audit(ctx, "calendar_feed.revoke", fmt.Sprintf("calendar_feed/%d", id), ward.Diff{"revoked_at": {nil, tx.now}}); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	db.feeds.clear()
	return f, nil
}

// revokeFeedsOf revokes the calendar feeds a member made or that show them,
// when they are disabled: like their tokens, their feed URLs stop working.
func (tx *Tx) revokeFeedsOf(ctx context.Context, m *ward.Member) error {
	actor := ward.Actor{Kind: ward.ActorMember, Email: m.Email}
	rows, err := tx.query(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE revoked_at IS NULL AND (member_id = ? OR created_by = ?) RETURNING id`,
		micros(tx.now), m.ID, actor.String())
	if err != nil {
		return fmt.Errorf("revoke calendar feeds of %s: %w", m.Email, err)
	}
	ids, err := collect(rows, "revoked calendar feeds", func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.audit(ctx, "calendar_feed.revoke", fmt.Sprintf("calendar_feed/%d", id), ward.Diff{"revoked_at": {nil, tx.now}, "because": {nil, m.Email + " was disabled"}}); err != nil {
			return err
		}
	}
	return nil
}
