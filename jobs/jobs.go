// Package jobs runs ward's background and scheduled work through
// riverqueue/river, on SQLite (riversqlite) and on PostgreSQL (riverpgxv5).
// River keeps its own tables beside ward's in the same database, so a job
// survives a restart, and on PostgreSQL several `ward serve` instances share
// one queue: each scheduled occurrence of a periodic job runs once among
// them.
//
// Every instance schedules every periodic job itself, inserting each
// occurrence as a unique job, rather than leaving it to river's elected
// leader: when an instance dies, the others go on scheduling at once,
// instead of after the leader's lease runs out (15 seconds, a long time
// on a test's accelerated clock).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/wardsec/ward/clock"
	"github.com/wardsec/ward/store"
)

// Config is what the runner needs from outside.
type Config struct {
	Store  *store.DB    // river's tables live in the store's database; required
	Logger *slog.Logger // slog.Default() when nil
	// PollInterval is how often workers look for due jobs; one second
	// when zero. SQLite has no LISTEN, so there polling is the only way a
	// job inserted by the schedule is noticed. Tests shorten it.
	PollInterval time.Duration
	// Clock decides the instants of the schedules; the system's when nil.
	Clock clock.Clock
}

// Periodic is a job that runs at the instants of a schedule.
type Periodic struct {
	// Name identifies the job, in logs and in river's table: letters,
	// digits, '-' and '_'. Unique among the runner's jobs.
	Name string
	// Every returns the first scheduled instant strictly after its
	// argument. It must be a fixed grid, the same whichever process or
	// instant asks (Daily, Interval), because an occurrence is unique by
	// its name and instant: two instances agree on what to skip only if
	// they agree on the instants. Instants are the Config's Clock's.
	Every func(after time.Time) time.Time
	// Run does the work of the occurrence scheduled at at. It may run
	// late (when the workers are busy, or after a restart) but runs once
	// per instant
	// unless it fails: a failed occurrence is tried again, at most
	// maxAttempts times in all, so Run should be idempotent.
	Run func(ctx context.Context, at time.Time) error
	// Timeout bounds a run: its context is cancelled then. Zero is river's
	// default, a minute.
	Timeout time.Duration
}

// maxAttempts bounds the tries of a failing occurrence: a scheduled job
// comes round again anyway, and a digest retried hours later is stale.
const maxAttempts = 3

var validName = regexp.MustCompile(`\A[A-Za-z0-9_-]+\z`)

// Daily returns a schedule at hour:minute every day in loc (wall-clock
// time, so it follows daylight-saving changes; a time that a change skips
// falls where time.Date puts it).
func Daily(hour, minute int, loc *time.Location) func(time.Time) time.Time {
	return func(after time.Time) time.Time {
		a := after.In(loc)
		for d := 0; ; d++ {
			t := time.Date(a.Year(), a.Month(), a.Day()+d, hour, minute, 0, 0, loc)
			if t.After(after) {
				return t
			}
		}
	}
}

// Interval returns a schedule at every multiple of d since the Unix epoch,
// so that every process computes the same instants.
func Interval(d time.Duration) func(time.Time) time.Time {
	return func(after time.Time) time.Time {
		return time.Unix(0, 0).Add(after.Sub(time.Unix(0, 0)).Truncate(d) + d).UTC()
	}
}

// occurrenceArgs are the arguments of one scheduled occurrence. One kind
// serves every periodic job; the name says which. Unique by its arguments,
// so that the instant is part of the key.
type occurrenceArgs struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

const occurrenceKind = "ward_periodic"

func (occurrenceArgs) Kind() string { return occurrenceKind }

func (occurrenceArgs) InsertOpts() river.InsertOpts {
	// The default unique states include completed, so an occurrence that
	// ran is not inserted again while river keeps the row (a day by
	// default; schedules only produce future instants anyway).
	return river.InsertOpts{MaxAttempts: maxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type occurrenceWorker struct {
	river.WorkerDefaults[occurrenceArgs]
	runs     map[string]func(context.Context, time.Time) error
	timeouts map[string]time.Duration
	logger   *slog.Logger
}

// Timeout is the job's own Periodic.Timeout; zero leaves river's default.
func (w *occurrenceWorker) Timeout(job *river.Job[occurrenceArgs]) time.Duration {
	return w.timeouts[job.Args.Name]
}

func (w *occurrenceWorker) Work(ctx context.Context, job *river.Job[occurrenceArgs]) error {
	run, ok := w.runs[job.Args.Name]
	if !ok {
		// A job another version of ward scheduled; retrying cannot help.
		return river.JobCancel(fmt.Errorf("no periodic job is named %q", job.Args.Name))
	}
	start := time.Now()
	if err := run(ctx, job.Args.At); err != nil {
		return fmt.Errorf("periodic job %s at %s: %w", job.Args.Name, job.Args.At.Format(time.RFC3339), err)
	}
	w.logger.Debug("periodic job done", "job", job.Args.Name, "at", job.Args.At, "took", time.Since(start))
	return nil
}

// Runner is a started river client. Stop it before closing the store.
type Runner struct {
	client    interface{ Stop(context.Context) error }
	schedules sync.WaitGroup
	stopPlan  context.CancelFunc
	cancel    func(context.Context) error // river's StopAndCancel
	insert    func(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
	subscribe func(...river.EventKind) (<-chan *river.Event, func())
	close     func()
}

// Migrate brings river's tables up to date in the store's database. It is
// safe to run from several instances at once: on PostgreSQL it holds an
// advisory lock; on SQLite ward serves a file from one process.
func Migrate(ctx context.Context, db *store.DB, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	b := db.Backend()
	if b.Postgres != nil {
		pool, err := openPool(ctx, b.Postgres)
		if err != nil {
			return err
		}
		defer pool.Close()
		return migratePostgres(ctx, pool, logger)
	}
	return migrateSQLite(ctx, riversqlite.New(b.SQLiteWriter), logger)
}

// migrateLock is the PostgreSQL advisory lock under which river's tables are
// migrated; rivermigrate takes none of its own.
const migrateLock = 0x72697665 // "rive"

// migratePostgres migrates under a session lock, not in one transaction:
// one of river's migrations adds an enum value and uses it, which
// PostgreSQL refuses within a single transaction (SQLSTATE 55P04), so
// rivermigrate must commit each migration on its own.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate river's tables: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("migrate river's tables: take the lock: %w", err)
	}
	defer func() {
		// A lock that cannot be released goes with its connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate river's tables: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river's tables: %w", err)
	}
	logMigrated(logger, res)
	return nil
}

// migrateSQLite migrates through the store's writer. rivermigrate commits
// each migration alone (its MigrateTx, one transaction for all, is
// deprecated because PostgreSQL cannot run them all in one); ward serves
// one SQLite file from one process, so no lock is needed.
func migrateSQLite(ctx context.Context, driver *riversqlite.Driver, logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate river's tables: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river's tables: %w", err)
	}
	logMigrated(logger, res)
	return nil
}

func logMigrated(logger *slog.Logger, res *rivermigrate.MigrateResult) {
	if len(res.Versions) > 0 {
		logger.Info("migrated river's tables", "versions", len(res.Versions))
	}
}

// openPool opens river's own small pool on PostgreSQL: a LISTEN connection,
// the leader's maintenance and a few workers.
func openPool(ctx context.Context, conn *pgx.ConnConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("jobs: pool configuration: %w", err)
	}
	cfg.ConnConfig = conn
	cfg.MaxConns = 6
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: open pool: %w", err)
	}
	return pool, nil
}

// Start migrates river's tables (as Migrate) and starts working jobs, periodic among
// them. The runner runs until Stop, not until ctx ends, so that Stop can let
// running jobs finish.
func Start(ctx context.Context, cfg Config, periodic []Periodic) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("jobs: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	seen := map[string]bool{}
	for _, p := range periodic {
		if !validName.MatchString(p.Name) || seen[p.Name] || p.Every == nil || p.Run == nil {
			return nil, fmt.Errorf("jobs: periodic job %q: want a unique name of letters, digits, '-' and '_', a schedule and a function", p.Name)
		}
		seen[p.Name] = true
	}
	b := cfg.Store.Backend()
	if b.Postgres != nil {
		pool, err := openPool(ctx, b.Postgres)
		if err != nil {
			return nil, err
		}
		err = migratePostgres(ctx, pool, cfg.Logger)
		var r *Runner
		if err == nil {
			r, err = start(ctx, riverpgxv5.New(pool), cfg, periodic)
		}
		if err != nil {
			pool.Close()
			return nil, err
		}
		r.close = pool.Close
		return r, nil
	}
	driver := riversqlite.New(b.SQLiteWriter)
	if err := migrateSQLite(ctx, driver, cfg.Logger); err != nil {
		return nil, err
	}
	return start(ctx, driver, cfg, periodic)
}

func start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg Config, periodic []Periodic) (*Runner, error) {
	worker := &occurrenceWorker{runs: map[string]func(context.Context, time.Time) error{}, timeouts: map[string]time.Duration{}, logger: cfg.Logger}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, worker); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	for _, p := range periodic {
		worker.runs[p.Name] = p.Run
		worker.timeouts[p.Name] = p.Timeout
	}
	client, err := river.NewClient(driver, &river.Config{
		Logger:            cfg.Logger,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("jobs: start river: %w", err)
	}
	r := &Runner{client: client, cancel: client.StopAndCancel, insert: client.Insert, subscribe: client.Subscribe, close: func() {}}
	plan, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stopPlan = stop
	for _, p := range periodic {
		r.schedules.Go(func() { r.plan(plan, p, cfg.Clock, cfg.Logger) })
	}
	return r, nil
}

// plan inserts each occurrence of p when its instant comes, until ctx
// ends. Instants before the runner started are not inserted. One this
// instance was too busy to insert on time is inserted late; of several,
// only the latest, since every job here works from the state in the
// database rather than from what happened since its last run, so one
// late run catches up.
func (r *Runner) plan(ctx context.Context, p Periodic, c clock.Clock, logger *slog.Logger) {
	at := p.Every(c.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.Until(at)):
		}
		// The insert is unique by name and instant: of the instances that
		// insert it, one does, and the others are told it is a duplicate.
		if _, err := r.insert(ctx, occurrenceArgs{Name: p.Name, At: at}, nil); err != nil && ctx.Err() == nil {
			logger.Error("schedule a periodic job", "job", p.Name, "at", at, "err", err)
		}
		now := c.Now()
		for at = p.Every(at); !p.Every(at).After(now); at = p.Every(at) {
		}
	}
}

// Stop stops taking new jobs and waits for running ones to finish. When ctx
// ends first, running jobs' contexts are cancelled and Stop waits a little
// more for them, then returns ctx's error.
func (r *Runner) Stop(ctx context.Context) error {
	defer r.close()
	r.stopPlan()
	r.schedules.Wait()
	err := r.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = r.cancel(cctx)
	}
	return fmt.Errorf("jobs: stop: %w", err)
}
