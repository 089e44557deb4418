package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/hackerone"
	"github.com/wardsec/ward/jobs"
)

// pushInterval is how often the outbox of actions for HackerOne is
// worked.
const pushInterval = 30 * time.Second

// syncTimeout bounds a sync's run: a first sync brings in the programme's
// history, one GET per report, much longer than river's default minute.
// One cut short resumes after its last page at the next interval.
const syncTimeout = 30 * time.Minute

// hackeroneClient builds the client for the team file's HackerOne
// configuration, its token read with getenv and readFile (this process's
// environment and files). Its calls go through httpClient, which holds the
// outbound policy (timeouts, retries, the circuit).
func hackeroneClient(cfg *ward.HackerOneConfig, httpClient *http.Client,
	getenv func(string) string, readFile func(string) ([]byte, error)) (*hackerone.Client, error) {
	if err := ward.CheckAPIHost(cfg.APIURL, hackerone.DefaultAPIURL, getenv(ward.APIHostsEnv)); err != nil {
		return nil, ward.Errorf(ward.EINVALID, "hackerone: %s", ward.ErrorMessage(err))
	}
	token, err := cfg.Token.Resolve(getenv, readFile)
	if err != nil {
		return nil, ward.Errorf(ward.EINVALID, "hackerone: token: %s", ward.ErrorMessage(err))
	}
	return hackerone.New(hackerone.Config{APIURL: cfg.APIURL, Username: cfg.Username, Token: token, Program: cfg.Program, HTTP: httpClient})
}

// hackeroneJobs are the sync from HackerOne, every interval of the team
// file's, and the push of the team's actions, with one client built when
// ward serve starts, as GitHub's is: after a ward apply that changes
// HackerOne, or a new token, restart it. None when the team file declares
// no HackerOne, or one that cannot be used (said in the log).
func (b background) hackeroneJobs() []jobs.Periodic {
	in, err := b.db.Integrations(context.Background())
	if err != nil {
		b.logger.Error("read the integrations: HackerOne is not synced", "err", err)
		return nil
	}
	cfg := in.HackerOne
	if cfg == nil {
		return nil
	}
	c, err := hackeroneClient(cfg, b.hackeroneHTTP, os.Getenv, os.ReadFile)
	if err != nil {
		b.logger.Error("HackerOne is configured but cannot be used: it is not synced; see ward integrations check", "err", err)
		return nil
	}
	return []jobs.Periodic{{
		Name:    "hackerone-sync",
		Every:   jobs.Interval(cfg.SyncInterval()),
		Timeout: syncTimeout,
		Run: func(ctx context.Context, at time.Time) error {
			res, err := (&hackerone.Syncer{Client: c, Store: b.db, Logger: b.logger}).Sync(ctx)
			b.done("synced from HackerOne", res.Created+res.Updated+res.Events, at)
			if res.Conflicts > 0 {
				b.logger.Warn("HackerOne changed fields the team had changed; ward's values kept", "conflicts", res.Conflicts)
			}
			return err
		},
	}, {
		Name:    "hackerone-push",
		Every:   jobs.Interval(pushInterval),
		Timeout: hackerone.PushRunTimeout,
		Run: func(ctx context.Context, at time.Time) error {
			sent, failed, err := (&hackerone.Pusher{Client: c, Store: b.db, Now: b.clock.Now, Currency: cfg.Currency}).Push(ctx)
			b.done("sent actions to HackerOne", sent, at)
			b.done("HackerOne refused actions", failed, at)
			return err
		},
	}}
}
