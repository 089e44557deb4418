package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/server"
	"github.com/wardsec/ward/store"
)

type serveFlags struct {
	addr      string
	demo      bool
	logFormat string
	logLevel  string
	maxBody   int64
	grace     time.Duration
	publicURL string
}

func (e *env) serveCmd() *cobra.Command {
	f := serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API (migrates the database first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.demo && !cmd.Flags().Changed("db") && os.Getenv("WARD_DB") == "" {
				dir, err := os.MkdirTemp("", "ward-demo-")
				if err != nil {
					return fmt.Errorf("demo database: %w", err)
				}
				defer os.RemoveAll(dir) // a demo keeps nothing
				e.db = "sqlite:" + filepath.Join(dir, "ward.db")
			}
			return e.serve(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", envOr("WARD_ADDR", "127.0.0.1:8080"), "address to listen on (env WARD_ADDR)")
	cmd.Flags().BoolVar(&f.demo, "demo", false, "seed an empty database with a demo team and print how to sign in; uses a fresh temporary database unless --db is given")
	cmd.Flags().StringVar(&f.logFormat, "log-format", envOr("WARD_LOG_FORMAT", "text"), "log format: text or json (env WARD_LOG_FORMAT)")
	cmd.Flags().StringVar(&f.logLevel, "log-level", envOr("WARD_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env WARD_LOG_LEVEL)")
	cmd.Flags().Int64Var(&f.maxBody, "max-body", server.DefaultMaxBody, "request body limit in bytes")
	cmd.Flags().StringVar(&f.publicURL, "public-url", envOr("WARD_PUBLIC_URL", ""), "where people reach ward, such as https://ward.example.org, for the links it gives reporters (env WARD_PUBLIC_URL); the request's host when empty")
	cmd.Flags().DurationVar(&f.grace, "shutdown-grace", 15*time.Second, "how long requests in flight may take to finish on shutdown")
	return cmd
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func newLogger(format, level string, e *env) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, ward.Errorf(ward.EINVALID, "--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	default:
		return nil, ward.Errorf(ward.EINVALID, "--log-format %q: want text or json", format)
	}
}

func (e *env) serve(ctx context.Context, f serveFlags) error {
	logger, err := newLogger(f.logFormat, f.logLevel, e)
	if err != nil {
		return err
	}
	db, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	calendar := oncall.New(db, time.Now)
	var demo *demoSignIn
	if f.demo {
		if demo, err = seedDemo(cliContext(ctx), db, calendar, e.db); err != nil {
			return err
		}
	}
	srv := server.New(server.Config{
		Members:       db,
		Tokens:        db,
		Audit:         db,
		Team:          db,
		Rotations:     db,
		Tiers:         db,
		Reports:       db,
		Notifications: db,
		Actions:       reports.New(db, db, db, time.Now),
		Filters:       db,
		Sessions:      db,
		OnCall:        calendar,
		PublicURL:     f.publicURL,
		Ready:         db.Ping,
		Logger:        logger,
		Version:       version,
		MaxBody:       f.maxBody,
	})
	return srv.ListenAndServe(ctx, f.addr, f.grace, func(a net.Addr) {
		url := "http://" + a.String()
		logger.Info("listening", "url", url, "database", store.RedactDSN(e.db))
		fmt.Fprintf(e.stdout, "ward is listening on %s\n", url)
		if demo != nil {
			printDemoHelp(e, url, demo)
		}
	})
}
