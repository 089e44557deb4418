package main

import (
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
)

// newBrief is the start-of-shift brief and daily digest over the store,
// for the server and for the jobs that send them; pulls lists the open
// pull requests of the team's repository (nil without GitHub).
func newBrief(db *store.DB, calendar *oncall.Service, now func() time.Time, pulls ward.PullRequestSource) *brief.Service {
	return brief.New(brief.Config{Reports: db, Handoffs: db, Stale: db, Rotations: db, OnCall: calendar, Distributors: db,
		PullRequests: pulls, Now: now})
}
