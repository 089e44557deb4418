// Package store keeps ward's state in a SQL database: SQLite through
// modernc.org/sqlite (no cgo) by default, or PostgreSQL through pgx for
// several instances. One set of portable queries serves both; the few
// differences are named in dialect.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/wardsec/ward"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options are what the store needs from outside besides the database.
type Options struct {
	Now      func() time.Time    // the clock; time.Now when nil
	Random   io.Reader           // for token secrets; crypto/rand when nil
	Holidays ward.HolidayChecker // validates holiday codes; required
}

// DB is an open store. Its methods implement ward's service interfaces.
type DB struct {
	dialect dialect
	// read serves queries; write serves transactions that change data. On
	// SQLite write is a single connection whose transactions begin
	// IMMEDIATE, so writers queue on the busy timeout instead of failing
	// when a read lock cannot be upgraded; readers run beside it in WAL
	// mode. On PostgreSQL both are the same pool.
	read, write *sql.DB
	// pgConfig is PostgreSQL's parsed connection configuration, kept for
	// Backend; nil on SQLite.
	pgConfig *pgx.ConnConfig
	auth     cache[authEntry]         // by token hash
	feeds    cache[ward.CalendarFeed] // by feed secret hash
	version  cache[int64]             // under the key ""
	now      func() time.Time
	random   io.Reader
	holidays ward.HolidayChecker
}

type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// Open connects to the database that dsn names: "sqlite:PATH" or a
// "postgres://" URL. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db := &DB{now: opts.Now, random: opts.Random, holidays: opts.Holidays}
	if db.now == nil {
		db.now = time.Now
	}
	if db.random == nil {
		db.random = rand.Reader
	}
	if db.holidays == nil {
		return nil, errors.New("open store: no holiday checker")
	}
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		err = db.openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = db.openPostgres(dsn)
	default:
		return nil, ward.Errorf(ward.EINVALID, "database %q: want sqlite:PATH or a postgres:// URL", RedactDSN(dsn))
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "?") {
		return ward.Errorf(ward.EINVALID, "database sqlite:%s: want the path of a file", path)
	}
	// synchronous(FULL) makes every commit durable on power loss, not
	// just on a crash of ward: writes here are few and must not be lost.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"
	var err error
	if db.write, err = sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate"); err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	if db.read, err = sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)
	db.dialect = sqliteDialect
	return nil
}

func (db *DB) openPostgres(dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("open postgres %s: %w", RedactDSN(dsn), err)
	}
	// pgx prepares and caches statements, and after five runs PostgreSQL
	// may plan one once for any arguments. For a search, that generic
	// plan walks every report (1.4 s at 100,000 for a rare word, where the
	// plan for the word itself takes 12 ms): the arguments decide the
	// plan, so each run gets its own. A deployment may still override it.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	db.read, db.write, db.dialect, db.pgConfig = pool, pool, postgresDialect, cfg
	return nil
}

// Backend is what lies under a store, for the job runner (package jobs),
// which keeps river's tables in the same database. Exactly one field is
// set.
type Backend struct {
	// SQLiteWriter is the store's single writer connection. The runner
	// writes through it rather than through a connection of its own, so
	// that its writes queue behind ward's in this process instead of
	// contending for SQLite's one write lock on the busy timeout.
	SQLiteWriter *sql.DB
	// Postgres is a copy of the connection configuration (its search_path
	// included), from which the runner opens a small pool of its own: the
	// river driver wants a pgx pool, and its LISTEN holds a connection.
	Postgres *pgx.ConnConfig
}

// Backend returns what lies under the store. Only package jobs should
// need it; everything else goes through the store's methods.
func (db *DB) Backend() Backend {
	if db.dialect == postgresDialect {
		return Backend{Postgres: db.pgConfig.Copy()}
	}
	return Backend{SQLiteWriter: db.write}
}

// RedactDSN hides the password of a database URL so that it can be logged.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}

// Ping checks that the database answers; /readyz calls it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if db.write != db.read {
		if err := db.write.PingContext(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
	}
	return nil
}

// Close closes every connection.
func (db *DB) Close() error {
	err := db.read.Close()
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// rebind turns the portable "?" placeholders into PostgreSQL's "$1".
func (db *DB) rebind(query string) string {
	if db.dialect != postgresDialect {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.rebind(query), args...)
}

// Tx is a write transaction. Its time is fixed when it begins, so that every
// row and audit entry it writes carries the same instant.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
	// scheduleChanged is set by writes that bump the schedule version, so
	// that the commit clears the cached version.
	scheduleChanged bool
}

// writeLock is the PostgreSQL advisory lock that every write transaction
// holds, so that writes are serialised on PostgreSQL as SQLite serialises
// them. Writes here are few; checks that read before they write (the last
// admin, a schedule's version) then hold on both databases alike, without
// a SERIALIZABLE retry loop.
const writeLock = 0x77617264 // "ward"

// begin starts a write transaction; callers defer tx.rollback() and end with
// tx.commit().
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	if db.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLock); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("begin transaction: take the write lock: %w", err)
		}
	}
	// The time is read after the lock, so that transactions' times follow
	// their order.
	return &Tx{tx: tx, db: db, now: db.now().UTC().Truncate(time.Microsecond)}, nil
}

// updateOne runs update, which must change the one row of the noun with
// the id, in a transaction of its own, with then (when not nil) before the
// commit; no such row is ENOTFOUND.
func (db *DB) updateOne(ctx context.Context, noun string, id int64, update string, args func(now time.Time) []any, then func(*Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	res, err := tx.exec(ctx, update, args(tx.now)...)
	if err != nil {
		return fmt.Errorf("record %s %d: %w", noun, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(ward.Errorf(ward.ENOTFOUND, "no %s has the id %d", noun, id), err)
	}
	if then != nil {
		if err := then(tx); err != nil {
			return err
		}
	}
	return tx.commit()
}

func (tx *Tx) rollback() { _ = tx.tx.Rollback() } // after a commit this is a harmless no-op

func (tx *Tx) commit() error {
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tx.scheduleChanged {
		tx.db.version.clear()
	}
	return nil
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
}

// collect scans every row with scan, then closes rows; what names the rows
// in errors.
func collect[T any](rows *sql.Rows, what string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}

// isUniqueViolation reports whether err is a unique-constraint violation,
// matched by the drivers' error codes.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isDataError reports whether the database refused a value itself (too
// long, out of range, not valid in its encoding), matched by code: what a
// hostile message could make of a field, which no retry will cure.
func isDataError(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_TOOBIG
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "54"))
}

// Times are stored as microseconds since the Unix epoch in both databases:
// one representation, exact, and ordered by plain integer comparison.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}
