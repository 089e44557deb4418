package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/hackerone"
	"github.com/wardsec/ward/jobs"
	"github.com/wardsec/ward/store"
)

// pushInterval is how often the outbox of actions for HackerOne is
// worked.
const pushInterval = 30 * time.Second

// syncTimeout bounds a sync's run: a first sync brings in the programme's
// history, one GET per report, much longer than river's default minute.
// One cut short resumes after its last page at the next interval.
const syncTimeout = 30 * time.Minute

// hackeroneClient builds the client for the team file's HackerOne
// configuration, its token read from this process's environment or
// files; nil, nil when HackerOne is not configured. Its calls go through
// httpClient, which holds the outbound policy (timeouts, retries, the
// circuit): one per process, so that the circuit outlives a job's run.
func hackeroneClient(ctx context.Context, db *store.DB, httpClient *http.Client) (*hackerone.Client, *ward.HackerOneConfig, error) {
	in, err := db.Integrations(ctx)
	if err != nil || in.HackerOne == nil {
		return nil, nil, err
	}
	cfg := in.HackerOne
	if err := ward.CheckAPIHost(cfg.APIURL, hackerone.DefaultAPIURL, os.Getenv(ward.APIHostsEnv)); err != nil {
		return nil, nil, ward.Errorf(ward.EINVALID, "hackerone: %s", ward.ErrorMessage(err))
	}
	token, err := cfg.Token.Resolve(os.Getenv, os.ReadFile)
	if err != nil {
		return nil, nil, ward.Errorf(ward.EINVALID, "hackerone: token: %s", ward.ErrorMessage(err))
	}
	c, err := hackerone.New(hackerone.Config{APIURL: cfg.APIURL, Username: cfg.Username, Token: token, Program: cfg.Program, HTTP: httpClient})
	return c, cfg, err
}

// hackeroneJobs are the sync from HackerOne, every interval of the team
// file's, and the push of the team's actions; none when the team file
// declares no HackerOne when ward serve starts (after ward apply, restart
// it, as for GitHub). Each run reads the configuration again, so that a
// changed token or programme takes effect at once.
func (b background) hackeroneJobs() []jobs.Periodic {
	in, err := b.db.Integrations(context.Background())
	if err != nil {
		b.logger.Error("read the integrations: HackerOne is not synced", "err", err)
		return nil
	}
	if in.HackerOne == nil {
		return nil
	}
	interval := in.HackerOne.SyncInterval()
	return []jobs.Periodic{{
		Name:    "hackerone-sync",
		Every:   jobs.Interval(interval),
		Timeout: syncTimeout,
		Run: b.withHackerOne(func(ctx context.Context, c *hackerone.Client, _ *ward.HackerOneConfig, at time.Time) error {
			res, err := (&hackerone.Syncer{Client: c, Store: b.db, Logger: b.logger}).Sync(ctx)
			b.done("synced from HackerOne", res.Created+res.Updated+res.Events, at)
			if res.Conflicts > 0 {
				b.logger.Warn("HackerOne changed fields the team had changed; ward's values kept", "conflicts", res.Conflicts)
			}
			return err
		}),
	}, {
		Name:    "hackerone-push",
		Every:   jobs.Interval(pushInterval),
		Timeout: hackerone.PushRunTimeout,
		Run: b.withHackerOne(func(ctx context.Context, c *hackerone.Client, cfg *ward.HackerOneConfig, at time.Time) error {
			sent, failed, err := (&hackerone.Pusher{Client: c, Store: b.db, Now: b.clock.Now, Currency: cfg.Currency}).Push(ctx)
			b.done("sent actions to HackerOne", sent, at)
			b.done("HackerOne refused actions", failed, at)
			return err
		}),
	}}
}

// withHackerOne runs fn with a client for the configuration as it is
// now, and does nothing when HackerOne is not configured.
func (b background) withHackerOne(fn func(context.Context, *hackerone.Client, *ward.HackerOneConfig, time.Time) error) func(context.Context, time.Time) error {
	return func(ctx context.Context, at time.Time) error {
		c, cfg, err := hackeroneClient(ctx, b.db, b.hackeroneHTTP)
		if c == nil || err != nil {
			return err
		}
		return fn(ctx, c, cfg, at)
	}
}
