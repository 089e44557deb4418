package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/jobs"
	"github.com/wardsec/ward/oidc"
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
	// trustedProxies are CIDRs (or addresses) of the reverse proxies in
	// front of ward, whose X-Forwarded-For is read.
	trustedProxies []string
	// Single sign-on; off unless oidcIssuer is set. The client secret is
	// read from WARD_OIDC_CLIENT_SECRET or oidcSecretFile, never a flag's
	// value, which other users see in the process list.
	oidcIssuer, oidcClientID, oidcSecretFile, oidcName string
	mail                                               mailFlags
	// slackSecretFile holds the Slack app's signing secret, else read
	// from WARD_SLACK_SIGNING_SECRET; without one there is no slash
	// command.
	slackSecretFile string
	// jobs runs scheduled work (package jobs); an instance may leave it to
	// the others on the same PostgreSQL.
	jobs bool
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
	cmd.Flags().StringArrayVar(&f.trustedProxies, "trusted-proxy", splitList(os.Getenv("WARD_TRUSTED_PROXIES")), "a reverse proxy in front of ward, as a CIDR such as 10.0.0.0/8 or an address; repeatable (env WARD_TRUSTED_PROXIES, comma-separated). For a connection from one, the client's address is the right-most of X-Forwarded-For that is no trusted proxy. None by default")
	cmd.Flags().StringVar(&f.oidcIssuer, "oidc-issuer", envOr("WARD_OIDC_ISSUER", ""), "single sign-on: the OpenID Connect issuer URL, such as https://accounts.google.com (env WARD_OIDC_ISSUER); off when empty. Needs --public-url, --oidc-client-id and a client secret")
	cmd.Flags().StringVar(&f.oidcClientID, "oidc-client-id", envOr("WARD_OIDC_CLIENT_ID", ""), "single sign-on: ward's client ID with the provider (env WARD_OIDC_CLIENT_ID)")
	cmd.Flags().StringVar(&f.oidcSecretFile, "oidc-client-secret-file", "", "single sign-on: a file holding the client secret; else it is read from the environment variable WARD_OIDC_CLIENT_SECRET")
	cmd.Flags().StringVar(&f.oidcName, "oidc-name", envOr("WARD_OIDC_NAME", "single sign-on"), "single sign-on: the provider's name on the sign-in button, such as \"Google Workspace\" (env WARD_OIDC_NAME)")
	f.mail.register(cmd)
	cmd.Flags().StringVar(&f.slackSecretFile, "slack-signing-secret-file", "", "the Slack slash command (/ward oncall, /ward queue): a file holding the Slack app's signing secret; else it is read from the environment variable WARD_SLACK_SIGNING_SECRET. Without one, POST /api/v1/integrations/slack/commands answers 404")
	cmd.Flags().BoolVar(&f.jobs, "jobs", envOr("WARD_JOBS", "true") != "false", "run scheduled work, such as pruning dead sessions daily (env WARD_JOBS=false turns it off). Instances on one PostgreSQL share it, each occurrence running once")
	cmd.Flags().DurationVar(&f.grace, "shutdown-grace", 15*time.Second, "how long requests in flight may take to finish on shutdown")
	return cmd
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// splitList splits a comma-separated environment variable, dropping
// empty entries.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseTrustedProxies reads --trusted-proxy: CIDRs, or addresses standing
// for themselves alone.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, ward.Errorf(ward.EINVALID, "--trusted-proxy %q: want a CIDR such as 10.0.0.0/8 or an address", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
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

// oidcProvider is the single sign-on provider the flags set up, or nil
// when --oidc-issuer is empty. getenv reads the client secret's variable.
func oidcProvider(f serveFlags, getenv func(string) string) (*oidc.Provider, error) {
	if f.oidcIssuer == "" {
		return nil, nil
	}
	if u, err := url.Parse(f.oidcIssuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, ward.Errorf(ward.EINVALID, "--oidc-issuer %q: want a URL such as https://accounts.google.com", f.oidcIssuer)
	}
	if f.oidcClientID == "" {
		return nil, ward.Errorf(ward.EINVALID, "--oidc-issuer needs --oidc-client-id (or WARD_OIDC_CLIENT_ID)")
	}
	// The provider sends browsers back to a URL registered with it in
	// advance, so it cannot follow the request's Host.
	u, err := url.Parse(f.publicURL)
	if f.publicURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, ward.Errorf(ward.EINVALID, "--oidc-issuer needs --public-url (or WARD_PUBLIC_URL), such as https://ward.example.org: the provider sends browsers back to <public-url>/login/oidc/callback")
	}
	secret := getenv("WARD_OIDC_CLIENT_SECRET")
	if f.oidcSecretFile != "" {
		if secret != "" {
			return nil, ward.Errorf(ward.EINVALID, "the client secret is given twice, by --oidc-client-secret-file and WARD_OIDC_CLIENT_SECRET: keep one")
		}
		b, err := os.ReadFile(f.oidcSecretFile)
		if err != nil {
			return nil, ward.Errorf(ward.EINVALID, "--oidc-client-secret-file: %v", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" {
		return nil, ward.Errorf(ward.EINVALID, "--oidc-issuer needs the client secret, in WARD_OIDC_CLIENT_SECRET or a file named by --oidc-client-secret-file")
	}
	return oidc.New(oidc.Config{Issuer: f.oidcIssuer, ClientID: f.oidcClientID, ClientSecret: secret,
		RedirectURL: strings.TrimSuffix(f.publicURL, "/") + "/login/oidc/callback"}), nil
}

func (e *env) serve(ctx context.Context, f serveFlags) error {
	logger, err := newLogger(f.logFormat, f.logLevel, e)
	if err != nil {
		return err
	}
	sso, err := oidcProvider(f, os.Getenv)
	if err != nil {
		return err
	}
	proxies, err := parseTrustedProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	slackSecret, err := secret(os.Getenv, "WARD_SLACK_SIGNING_SECRET", f.slackSecretFile, "Slack signing secret")
	if err != nil {
		return err
	}
	// A secret kept with a trailing newline would refuse every command;
	// a file given but empty is a mistake, not "no slash command".
	if slackSecret = strings.TrimSpace(slackSecret); slackSecret == "" && f.slackSecretFile != "" {
		return ward.Errorf(ward.EINVALID, "--slack-signing-secret-file %s is empty", f.slackSecretFile)
	}
	inboxCfg, err := f.mail.inboxConfig(os.Getenv, f.publicURL)
	if err != nil {
		return err
	}
	inboxCfg.Logger = logger
	clk, err := serveClock(os.Getenv, logger)
	if err != nil {
		return err
	}
	e.now = clk.Now
	db, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	calendar := oncall.New(db, clk.Now)
	// The team file's integrations as they are now: ward apply takes
	// effect at the next start.
	gh, err := loadGitHub(ctx, db, f.publicURL)
	if err != nil {
		return err
	}
	if f.demo {
		inboxCfg = demoInboxConfig(inboxCfg)
	}
	mail := newInbox(db, inboxCfg)
	var demo *demoSignIn
	if f.demo {
		if demo, err = seedDemo(cliContext(ctx), db, calendar, mail, e.db); err != nil {
			return err
		}
	}
	if f.jobs {
		notifier, err := newNotifier(db, calendar, clk, f, inboxCfg, logger)
		if err != nil {
			return err
		}
		notifyCtx, stopNotify := context.WithCancel(ctx)
		notified := make(chan struct{})
		go func() { defer close(notified); notifier.Run(notifyCtx) }()
		defer func() { stopNotify(); <-notified }()
		scheduled := background{db: db, calendar: calendar, clock: clk, logger: logger, notifier: notifier,
			brief: newBrief(db, calendar, clk.Now, gh.pullRequests()), baseURL: f.publicURL, hackeroneHTTP: outboundClient("HackerOne", 0)}.jobs()
		for i, j := range scheduled {
			// What a job notified of goes out now, not at the next poll.
			scheduled[i].Run = func(ctx context.Context, at time.Time) error {
				defer notifier.Poke()
				return j.Run(ctx, at)
			}
		}
		runner, err := jobs.Start(ctx, jobs.Config{Store: db, Logger: logger, Clock: clk, PollInterval: jobsPoll(clk)}, scheduled)
		if err != nil {
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.grace)
			defer cancel()
			if err := runner.Stop(ctx); err != nil {
				logger.Error("stop jobs", "error", err)
			}
		}()
	}
	stopMail, err := f.mail.startMail(ctx, mail, inboxCfg, logger)
	if err != nil {
		return err
	}
	defer stopMail()
	cfg := server.Config{
		Inbox:          mail,
		Members:        db,
		Tokens:         db,
		Audit:          db,
		Team:           db,
		Rotations:      db,
		Tiers:          db,
		Reports:        db,
		Notifications:  db,
		Dispatches:     db,
		Stale:          db,
		Actions:        reports.New(db, db, db, db, clk.Now).WithIssueTracker(gh.issueTracker()),
		Filters:        db,
		Sessions:       db,
		Distributors:   db,
		OnCall:         calendar,
		Brief:          newBrief(db, calendar, clk.Now, gh.pullRequests()),
		PublicURL:      f.publicURL,
		TrustedProxies: proxies,
		Ready:          db.Ping,
		Logger:         logger,
		Version:        version,
		MaxBody:        f.maxBody,

		SlackSigningSecret:  slackSecret,
		Replays:             db,
		GitHubWebhookSecret: gh.webhookSecret,
		IssueChanges:        db,
	}
	if sso != nil {
		cfg.SSO, cfg.SSOName = sso, f.oidcName
		// Discovery happens on the first sign-in anyway; trying it now
		// only tells the operator early that the issuer is wrong or down.
		go func() {
			ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			if err := sso.Discover(ctx); err != nil {
				logger.Warn("single sign-on: the provider does not answer yet; sign-ins will try again", "issuer", f.oidcIssuer, "error", err)
				return
			}
			logger.Info("single sign-on", "issuer", f.oidcIssuer)
		}()
	}
	srv := server.New(cfg)
	return srv.ListenAndServe(ctx, f.addr, f.grace, func(a net.Addr) {
		url := "http://" + a.String()
		logger.Info("listening", "url", url, "database", store.RedactDSN(e.db))
		fmt.Fprintf(e.stdout, "ward is listening on %s\n", url)
		if demo != nil {
			printDemoHelp(e, url, demo)
		}
	})
}

// firstRotationOnCall is whom a stale report with neither commander nor
// assignee is pinged to: whoever is on call in the team's first rotation
// by name (the runbook's team has one); nobody without a rotation.
func firstRotationOnCall(db *store.DB, calendar *oncall.Service) reports.OnCallFunc {
	return func(ctx context.Context, at time.Time) (string, error) {
		rotations, err := db.FindRotations(ctx)
		if err != nil || len(rotations) == 0 {
			return "", err
		}
		first := slices.MinFunc(rotations, func(a, b *ward.Rotation) int { return strings.Compare(a.Name, b.Name) })
		now, err := calendar.OnCall(ctx, first.Name, at)
		switch {
		case err == nil:
			return now.Assignee.Email, nil
		case ward.ErrorCode(err) != ward.EINTERNAL:
			return "", nil // nobody on call (a gap) is nobody to ping, not a failure
		default:
			return "", err
		}
	}
}
