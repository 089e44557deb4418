package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/rotation"
)

var _ ward.RotationService = (*DB)(nil)

// rotationName is the form of a rotation's name: it appears in URLs.
var rotationName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Defaults for what a new rotation leaves out.
const (
	defaultShift   = 168 * time.Hour
	defaultHandoff = "Mon 09:00 UTC"
)

const rotationColumns = `rotations.id, rotations.name, rotations.shift_seconds, rotations.handoff, rotations.start_date,
	rotations.business_hours_only, rotations.revision, rotations.created_at, rotations.updated_at`

// storedRotation is a rotation with its member lists, as the store keeps it.
type storedRotation struct {
	ward.Rotation
	epochs []ward.Epoch
}

func (s *storedRotation) config() (rotation.Config, error) {
	shift, err := time.ParseDuration(s.Shift)
	if err != nil {
		return rotation.Config{}, fmt.Errorf("rotation %s: shift: %w", s.Name, err)
	}
	return rotation.ParseConfig(shift, s.Handoff, s.Start, s.BusinessHoursOnly)
}

type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

// loadRotations returns the rotations, with their epochs, by name; name ""
// loads them all.
func loadRotations(ctx context.Context, query queryFunc, name string) (map[string]*storedRotation, []string, error) {
	rows, err := query(ctx, `SELECT `+rotationColumns+` FROM rotations WHERE ? = '' OR name = ? ORDER BY name`, name, name)
	if err != nil {
		return nil, nil, fmt.Errorf("find rotations: %w", err)
	}
	byID := map[int64]*storedRotation{}
	byName := map[string]*storedRotation{}
	var names []string
	for rows.Next() {
		var r storedRotation
		var shift, created, updated int64
		if err := rows.Scan(&r.ID, &r.Name, &shift, &r.Handoff, &r.Start, &r.BusinessHoursOnly, &r.Revision, &created, &updated); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan rotation: %w", err)
		}
		r.Shift = (time.Duration(shift) * time.Second).String()
		r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
		byID[r.ID], byName[r.Name] = &r, &r
		names = append(names, r.Name)
	}
	if err := rows.Close(); err != nil {
		return nil, nil, fmt.Errorf("read rotations: %w", err)
	}
	rows, err = query(ctx, `SELECT rotation_epochs.rotation_id, rotation_epochs.id, rotation_epochs.from_shift, rotation_epochs.offset_index, members.email
		FROM rotation_epochs JOIN rotation_epoch_members ON rotation_epoch_members.epoch_id = rotation_epochs.id
		JOIN members ON members.id = rotation_epoch_members.member_id
		JOIN rotations ON rotations.id = rotation_epochs.rotation_id
		WHERE ? = '' OR rotations.name = ?
		ORDER BY rotation_epochs.rotation_id, rotation_epochs.from_shift, rotation_epoch_members.position`, name, name)
	if err != nil {
		return nil, nil, fmt.Errorf("find rotation members: %w", err)
	}
	defer rows.Close()
	lastEpoch := int64(-1)
	for rows.Next() {
		var rid, eid int64
		var e ward.Epoch
		var email string
		if err := rows.Scan(&rid, &eid, &e.FromShift, &e.Offset, &email); err != nil {
			return nil, nil, fmt.Errorf("scan rotation members: %w", err)
		}
		r := byID[rid]
		if eid != lastEpoch {
			r.epochs = append(r.epochs, e)
			lastEpoch = eid
		}
		last := &r.epochs[len(r.epochs)-1]
		last.Members = append(last.Members, email)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read rotation members: %w", err)
	}
	for _, r := range byName {
		if n := len(r.epochs); n > 0 {
			r.Members = r.epochs[n-1].Members
		}
	}
	return byName, names, nil
}

// FindRotations returns every rotation, by name.
func (db *DB) FindRotations(ctx context.Context) ([]*ward.Rotation, error) {
	byName, names, err := loadRotations(ctx, db.query, "")
	if err != nil {
		return nil, err
	}
	out := make([]*ward.Rotation, 0, len(names))
	for _, n := range names {
		out = append(out, &byName[n].Rotation)
	}
	return out, nil
}

// FindRotationByName returns ENOTFOUND when no rotation has the name.
func (db *DB) FindRotationByName(ctx context.Context, name string) (*ward.Rotation, error) {
	r, err := findRotation(ctx, db.query, name)
	if err != nil {
		return nil, err
	}
	return &r.Rotation, nil
}

func findRotation(ctx context.Context, query queryFunc, name string) (*storedRotation, error) {
	if !rotationName.MatchString(name) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no rotation is named %q", name)
	}
	byName, _, err := loadRotations(ctx, query, name)
	if err != nil {
		return nil, err
	}
	r := byName[name]
	if r == nil {
		return nil, ward.Errorf(ward.ENOTFOUND, "no rotation is named %q", name)
	}
	return r, nil
}

// planRotations works out what applying the specs changes, against the
// team as it will be once the file's members are written.
func (tx *Tx) planRotations(ctx context.Context, specs []ward.RotationSpec, team map[string]*ward.Member) ([]ward.Change, []*storedRotation, error) {
	current, _, err := loadRotations(ctx, tx.query, "")
	if err != nil {
		return nil, nil, err
	}
	var changes []ward.Change
	var writes []*storedRotation
	for _, spec := range specs {
		before := current[spec.Name]
		after, err := tx.planRotation(spec, before, team)
		if err != nil {
			if ward.ErrorCode(err) == ward.EINTERNAL {
				return nil, nil, fmt.Errorf("rotation %s: %w", spec.Name, err)
			}
			return nil, nil, ward.Errorf(ward.ErrorCode(err), "rotation %s: %s", spec.Name, ward.ErrorMessage(err))
		}
		d := rotationDiff(before, after)
		if len(d) == 0 {
			continue
		}
		action := "update"
		if before == nil {
			action = "create"
		}
		changes = append(changes, ward.Change{Action: action, Object: "rotation/" + spec.Name, Diff: d})
		writes = append(writes, after)
	}
	return changes, writes, nil
}

func (tx *Tx) planRotation(spec ward.RotationSpec, before *storedRotation, team map[string]*ward.Member) (*storedRotation, error) {
	if !rotationName.MatchString(spec.Name) {
		return nil, ward.Errorf(ward.EINVALID, "name: use 1 to 63 lower-case letters, digits and hyphens")
	}
	after := &storedRotation{Rotation: ward.Rotation{Name: spec.Name, Shift: defaultShift.String(), Handoff: defaultHandoff, BusinessHoursOnly: true}}
	if before != nil {
		c := *before
		after = &c
	}
	if spec.Shift != nil {
		after.Shift = spec.Shift.String()
	}
	if spec.Handoff != nil {
		after.Handoff = strings.TrimSpace(*spec.Handoff)
	}
	if spec.Start != nil {
		after.Start = *spec.Start
	}
	if spec.BusinessHoursOnly != nil {
		after.BusinessHoursOnly = *spec.BusinessHoursOnly
	}
	if spec.Members != nil {
		after.Members = spec.Members
	}
	if after.Start == "" {
		return nil, ward.Errorf(ward.EINVALID, "start: a new rotation needs a start date")
	}
	if len(after.Members) == 0 {
		return nil, ward.Errorf(ward.EINVALID, "members: a rotation needs at least one member")
	}
	cfg, err := after.config()
	if err != nil {
		return nil, ward.Errorf(ward.EINVALID, "%v", err)
	}
	if cfg.Shift < time.Hour || cfg.Shift > 8760*time.Hour {
		return nil, ward.Errorf(ward.EINVALID, "shift: %s is not between 1h and 8760h", cfg.Shift)
	}
	seen := map[string]bool{}
	for i, email := range after.Members {
		key, err := ward.NormalizeEmail(email)
		if err != nil {
			return nil, ward.Errorf(ward.EINVALID, "members[%d]: %s", i, ward.ErrorMessage(err))
		}
		m := team[key]
		switch {
		case m == nil:
			return nil, ward.Errorf(ward.EINVALID, "members[%d]: %s is not a member of the team", i, key)
		case m.Disabled:
			return nil, ward.Errorf(ward.EINVALID, "members[%d]: %s is disabled", i, key)
		case seen[key]:
			return nil, ward.Errorf(ward.EINVALID, "members[%d]: %s is listed twice", i, key)
		}
		seen[key] = true
		after.Members[i] = key
	}
	if before == nil {
		after.epochs = []ward.Epoch{{FromShift: 0, Members: after.Members}}
		return after, nil
	}
	old, err := before.config()
	if err != nil {
		return nil, err
	}
	// Shifts are numbered from the first handoff under the schedule's
	// shape; changing the shape of a rotation that has begun would give
	// past shifts to other people.
	if (old.Shift != cfg.Shift || before.Handoff != after.Handoff || before.Start != after.Start) && !tx.now.Before(firstHandoff(old)) {
		return nil, ward.Errorf(ward.ECONFLICT, "shift, handoff and start cannot change once the rotation has begun: that would rewrite past shifts; create a new rotation instead")
	}
	if !slices.Equal(before.Members, after.Members) {
		e, err := rotation.NextEpochOf(old, toRotationEpochs(before.epochs), tx.now, after.Members)
		if err != nil {
			return nil, err
		}
		after.epochs = append(slices.Clone(before.epochs), ward.Epoch{FromShift: e.FromShift, Members: e.Members, Offset: e.Offset})
	}
	return after, nil
}

// keepRotationsStaffed refuses to disable members whom a rotation would
// go on giving time: in a member list from now on, holding the shift in
// progress (a new list only takes over at the next handoff), or covering an
// override that has not ended. disabling are the members being disabled
// now; planned are rotations about to be written, which replace what is
// stored.
func (tx *Tx) keepRotationsStaffed(ctx context.Context, disabling []string, planned []*storedRotation) error {
	if len(disabling) == 0 {
		return nil
	}
	for _, email := range disabling {
		var id int64
		var rotation string
		err := tx.queryRow(ctx, `SELECT overrides.id, rotations.name FROM `+overridesJoin+`
			WHERE members.email = ? AND overrides.deleted_at IS NULL AND overrides.ends_at > ? ORDER BY overrides.starts_at LIMIT 1`,
			email, micros(tx.now)).Scan(&id, &rotation)
		if err == nil {
			return ward.Errorf(ward.ECONFLICT, "%s covers override %d of rotation %s, which has not ended: delete or reassign it before disabling them", email, id, rotation)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find overrides of %s: %w", email, err)
		}
	}
	current, names, err := loadRotations(ctx, tx.query, "")
	if err != nil {
		return err
	}
	for _, r := range planned {
		if current[r.Name] == nil {
			names = append(names, r.Name)
		}
		current[r.Name] = r
	}
	for _, name := range names {
		r := current[name]
		holders, err := tx.restOfShift(ctx, r)
		if err != nil {
			return err
		}
		for _, email := range disabling {
			if slices.Contains(r.Members, email) {
				return ward.Errorf(ward.ECONFLICT, "%s is in rotation %s: take them out of it before disabling them", email, name)
			}
			if holders[email] {
				return ward.Errorf(ward.ECONFLICT, "%s holds part of the shift of rotation %s in progress: add an override for the rest of it before disabling them", email, name)
			}
		}
	}
	return nil
}

// restOfShift returns who holds some of the rotation's shift in progress
// from now to its end, overrides included.
func (tx *Tx) restOfShift(ctx context.Context, r *storedRotation) (map[string]bool, error) {
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	var overrides []rotation.Override
	if r.ID != 0 {
		stored, err := findOverrides(ctx, tx.query, r.ID)
		if err != nil {
			return nil, err
		}
		for _, o := range stored {
			if o.DeletedAt == nil {
				overrides = append(overrides, rotation.Override{ID: o.ID, Member: o.Member, Range: rotation.Range{Start: o.Start, End: o.End}})
			}
		}
	}
	people := map[string]rotation.Person{}
	for _, e := range r.epochs {
		for _, m := range e.Members {
			people[m] = rotation.Person{Email: m, Location: time.UTC}
		}
	}
	for _, o := range overrides {
		people[o.Member] = rotation.Person{Email: o.Member, Location: time.UTC}
	}
	calc, err := rotation.New(cfg, toRotationEpochs(r.epochs), overrides, slices.Collect(maps.Values(people)))
	if err != nil {
		return nil, fmt.Errorf("rotation %s: %w", r.Name, err)
	}
	holders := map[string]bool{}
	if a, ok := calc.At(tx.now); ok {
		for _, seg := range calc.Segments(tx.now, a.ShiftEnd) {
			holders[seg.Member] = true
		}
	}
	return holders, nil
}

func firstHandoff(cfg rotation.Config) time.Time {
	r, err := rotation.New(cfg, []rotation.Epoch{{Members: []string{"x"}}}, nil, []rotation.Person{{Email: "x", Location: time.UTC}})
	if err != nil {
		return time.Time{}
	}
	return r.First()
}

func toRotationEpochs(es []ward.Epoch) []rotation.Epoch {
	out := make([]rotation.Epoch, len(es))
	for i, e := range es {
		out[i] = rotation.Epoch{FromShift: e.FromShift, Members: e.Members, Offset: e.Offset}
	}
	return out
}

func rotationDiff(before, after *storedRotation) ward.Diff {
	var b ward.Rotation
	if before != nil {
		b = before.Rotation
	}
	d := ward.Diff{}
	add := func(name string, x, y any, same bool) {
		if before == nil {
			d[name] = [2]any{nil, y}
		} else if !same {
			d[name] = [2]any{x, y}
		}
	}
	add("members", b.Members, after.Members, slices.Equal(b.Members, after.Members))
	add("shift", b.Shift, after.Shift, b.Shift == after.Shift)
	add("handoff", b.Handoff, after.Handoff, b.Handoff == after.Handoff)
	add("start", b.Start, after.Start, b.Start == after.Start)
	add("business_hours_only", b.BusinessHoursOnly, after.BusinessHoursOnly, b.BusinessHoursOnly == after.BusinessHoursOnly)
	return d
}

// writeRotation stores a planned rotation: the row, and any epoch it does
// not have yet.
func (tx *Tx) writeRotation(ctx context.Context, r *storedRotation, team map[string]*ward.Member) error {
	shift, _ := time.ParseDuration(r.Shift) // planned: valid
	if r.ID == 0 {
		r.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO rotations (name, shift_seconds, handoff, start_date, business_hours_only, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Name, int64(shift/time.Second), r.Handoff, r.Start, r.BusinessHoursOnly,
			micros(tx.now), micros(tx.now)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("insert rotation %s: %w", r.Name, err)
		}
	} else if _, err := tx.exec(ctx, `UPDATE rotations SET shift_seconds = ?, handoff = ?, start_date = ?, business_hours_only = ?,
		revision = revision + 1, updated_at = ? WHERE id = ?`, int64(shift/time.Second), r.Handoff, r.Start, r.BusinessHoursOnly, micros(tx.now), r.ID); err != nil {
		return fmt.Errorf("update rotation %s: %w", r.Name, err)
	}
	r.UpdatedAt = tx.now
	e := r.epochs[len(r.epochs)-1]
	// A second change within one shift replaces the epoch the first made.
	if _, err := tx.exec(ctx, `DELETE FROM rotation_epoch_members WHERE epoch_id IN
		(SELECT id FROM rotation_epochs WHERE rotation_id = ? AND from_shift = ?)`, r.ID, e.FromShift); err != nil {
		return fmt.Errorf("replace epoch of %s: %w", r.Name, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM rotation_epochs WHERE rotation_id = ? AND from_shift = ?`, r.ID, e.FromShift); err != nil {
		return fmt.Errorf("replace epoch of %s: %w", r.Name, err)
	}
	var eid int64
	if err := tx.queryRow(ctx, `INSERT INTO rotation_epochs (rotation_id, from_shift, offset_index, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		r.ID, e.FromShift, e.Offset, micros(tx.now)).Scan(&eid); err != nil {
		return fmt.Errorf("insert epoch of %s: %w", r.Name, err)
	}
	for i, email := range e.Members {
		if _, err := tx.exec(ctx, `INSERT INTO rotation_epoch_members (epoch_id, position, member_id) VALUES (?, ?, ?)`, eid, i, team[email].ID); err != nil {
			return fmt.Errorf("insert member of %s: %w", r.Name, err)
		}
	}
	return nil
}

// bumpSchedule marks every computed schedule stale; the transaction's
// writes change what schedules are computed from.
func (tx *Tx) bumpSchedule(ctx context.Context) error {
	if _, err := tx.exec(ctx, `UPDATE schedule_version SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump schedule version: %w", err)
	}
	tx.scheduleChanged = true
	return nil
}

// scheduleVersion reads the version within a transaction.
func (tx *Tx) scheduleVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := tx.queryRow(ctx, `SELECT version FROM schedule_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schedule version: %w", err)
	}
	return v, nil
}

// checkVersion refuses a write computed from a schedule that has changed
// since.
func (tx *Tx) checkVersion(ctx context.Context, want int64) error {
	v, err := tx.scheduleVersion(ctx)
	if err != nil {
		return err
	}
	if v != want {
		return ward.Errorf(ward.ECONFLICT, "the schedule changed while this was being worked out; try again")
	}
	return nil
}

// ScheduleVersion returns the current schedule version. Like tokens, it is
// cached for a second and cleared at once by this process's writes.
func (db *DB) ScheduleVersion(ctx context.Context) (int64, error) {
	now := db.now()
	v, gen, ok := db.version.get("", now)
	if ok {
		return v, nil
	}
	if err := db.queryRow(ctx, `SELECT version FROM schedule_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schedule version: %w", err)
	}
	db.version.put("", v, now, gen)
	return v, nil
}

// LoadSchedule returns everything the rotation's shifts are computed from.
func (db *DB) LoadSchedule(ctx context.Context, name string) (*ward.Schedule, error) {
	// One snapshot, so that the parts agree with each other and with the
	// version: SQLite reads from one anyway, PostgreSQL needs asking.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == postgresDialect {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("load schedule: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	query := func(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
		return tx.QueryContext(ctx, db.rebind(q), args...)
	}
	r, err := findRotation(ctx, query, name)
	if err != nil {
		return nil, err
	}
	s := &ward.Schedule{Rotation: r.Rotation, Epochs: r.epochs}
	if err := tx.QueryRowContext(ctx, `SELECT version FROM schedule_version WHERE id = 1`).Scan(&s.Version); err != nil {
		return nil, fmt.Errorf("load schedule: %w", err)
	}
	if s.Overrides, err = findOverrides(ctx, query, r.ID); err != nil {
		return nil, err
	}
	emails := map[string]bool{}
	for _, e := range s.Epochs {
		for _, m := range e.Members {
			emails[m] = true
		}
	}
	for _, o := range s.Overrides {
		emails[o.Member] = true
	}
	for _, email := range slices.Sorted(maps.Keys(emails)) {
		m, err := findMemberByEmail(ctx, func(ctx context.Context, q string, args ...any) *sql.Row {
			return tx.QueryRowContext(ctx, db.rebind(q), args...)
		}, email)
		if err != nil {
			return nil, fmt.Errorf("load schedule: %w", err)
		}
		s.People = append(s.People, *m)
		off, err := findTimeOff(ctx, query, m.Email)
		if err != nil {
			return nil, err
		}
		for _, t := range off {
			s.TimeOff = append(s.TimeOff, *t)
		}
	}
	notes, err := findHandoffNotes(ctx, query, name, handoffNotesInSchedule)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		s.Handoffs = append(s.Handoffs, *n)
	}
	return s, nil
}
