// Command ward is the security response desk: one binary that serves the
// API and runs the command line. It is the only place where ward's parts are
// wired together.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/jobs"
	"github.com/wardsec/ward/store"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ward:", describe(err))
		os.Exit(1)
	}
}

// describe shows a user-facing error as its message and anything else as
// the wrapped chain, which on the command line is for the operator's eyes.
func describe(err error) string {
	if ward.ErrorCode(err) == ward.EINTERNAL {
		return err.Error()
	}
	return ward.ErrorMessage(err)
}

// env holds what every command shares: the streams and the --db flag.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string
	// now is the clock the store stamps writes with: the machine's, but
	// for ward serve under WARD_TEST_CLOCK (see serveClock).
	now func() time.Time
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "ward",
		Short:         "ward is a self-hosted security response desk",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	defaultDB := os.Getenv("WARD_DB")
	if defaultDB == "" {
		defaultDB = "sqlite:ward.db"
	}
	root.PersistentFlags().StringVar(&e.db, "db", defaultDB, "database: sqlite:PATH or a postgres:// URL (env WARD_DB)")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(e.serveCmd(), e.migrateCmd(), e.versionCmd(), e.applyCmd(), e.userCmd(), e.tokenCmd(), e.oncallCmd(), e.shiftsCmd(), e.cvssCmd(), e.reportCmd(), e.handoffCmd(), e.filterCmd(), e.importCmd(), e.inboxCmd(), e.integrationsCmd(),
		e.distributorsCmd())
	return root.ExecuteContext(ctx)
}

// openStore opens the database and brings its schema up to date, so that
// every command works on a fresh database.
func (e *env) openStore(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, e.db, store.Options{Now: e.now, Holidays: holiday.Normalize})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withStore runs fn with the store open, and closes it after.
func (e *env) withStore(ctx context.Context, fn func(db *store.DB) error) error {
	db, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// withExistingStore runs fn on a database that exists and is up to date,
// and changes nothing to get there: for commands that promise not to write.
func (e *env) withExistingStore(ctx context.Context, fn func(db *store.DB) error) error {
	if path, ok := strings.CutPrefix(e.db, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			return ward.Errorf(ward.EINVALID, "database %s does not exist", e.db)
		}
	}
	db, err := store.Open(ctx, e.db, store.Options{Now: e.now, Holidays: holiday.Normalize})
	if err != nil {
		return err
	}
	defer db.Close()
	pending, err := db.MigrationsPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return ward.Errorf(ward.ECONFLICT, "database %s needs migrating first: ward migrate", store.RedactDSN(e.db))
	}
	return fn(db)
}

// cliContext marks the writes of a command-line invocation in the audit log
// with the operating-system user who ran it.
func cliContext(ctx context.Context) context.Context {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorCLI, Email: name, Role: ward.RoleAdmin})
}

func (e *env) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(e.stdout, "ward %s %s\n", version, goVersion())
		},
	}
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return ""
}

func (e *env) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := store.Open(cmd.Context(), e.db, store.Options{Holidays: holiday.Normalize})
			if err != nil {
				return err
			}
			defer db.Close()
			applied, err := db.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			// River's tables too, so that an operator who migrates before
			// starting new instances finds nothing left for them to do.
			if err := jobs.Migrate(cmd.Context(), db, slog.New(slog.DiscardHandler)); err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(e.stdout, "the schema is up to date")
			}
			for _, v := range applied {
				fmt.Fprintf(e.stdout, "applied migration %05d\n", v)
			}
			return nil
		},
	}
}
