package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reminders"
)

// OnCallFunc returns who is on call at the instant, or "" when nobody is.
type OnCallFunc func(ctx context.Context, at time.Time) (string, error)

// StalePinger pings whoever answers for each stale report (package
// reminders). It is safe for concurrent use, and so are its calls: two at
// once ping each report once.
type StalePinger struct {
	actions *Service
	stale   ward.StaleService
	onCall  OnCallFunc
}

// NewStalePinger returns a pinger that acts through actions, finds stale
// reports in stale, and asks onCall whom to ping about a report with
// neither commander nor assignee.
func NewStalePinger(actions *Service, stale ward.StaleService, onCall OnCallFunc) *StalePinger {
	return &StalePinger{actions: actions, stale: stale, onCall: onCall}
}

// Ping is one ping that PingStale sent.
type Ping struct {
	Report int64  `json:"report"`
	To     string `json:"to"` // "" when nobody commands or is assigned the report and nobody is on call
	Event  int64  `json:"event"`
}

// stalePage is how many stale reports PingStale reads at a time.
const stalePage = 100

// PingStale pings, as ward itself, every report whose ping is due at now,
// once, and returns the pings sent, the longest quiet report first. It is
// what a scheduler calls. A report that changes between the scan and its
// ping (an update, or another PingStale's ping) is passed over: the store
// refuses a write computed on an older version, so two calls at the same
// instant, in one process or two, ping each report once. On an error it
// returns the pings sent before it.
func (p *StalePinger) PingStale(ctx context.Context, now time.Time) ([]Ping, error) {
	ctx = ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
	th, err := p.stale.StaleThresholds(ctx)
	if err != nil {
		return nil, err
	}
	pings := []Ping{}
	seen := map[int64]bool{}
	var onCall *string // looked up once, and only when a report needs it
	for {
		page, err := p.stale.StaleReports(ctx, now, th, stalePage)
		if err != nil {
			return pings, err
		}
		fresh := 0
		for _, s := range page {
			r := s.Report
			if seen[r.ID] {
				continue // refused as changed, and due again: its next ping is the next call's
			}
			seen[r.ID], fresh = true, fresh+1
			if r.Commander == "" && r.Assignee == "" && onCall == nil {
				who, err := p.onCall(ctx, now)
				if err != nil {
					return pings, fmt.Errorf("ping stale reports: who is on call at %s: %w", now.Format(time.RFC3339), err)
				}
				onCall = &who
			}
			who := reminders.Recipient(r.Commander, r.Assignee, deref(onCall))
			_, ev, err := p.actions.act(ctx, r, Action{Action: "ping", Comment: pingComment(s, th, who)}, ping{onCall: deref(onCall), at: now})
			if ward.ErrorCode(err) == ward.ECONFLICT {
				continue
			}
			if err != nil {
				return pings, fmt.Errorf("ping report %d: %w", r.ID, err)
			}
			pings = append(pings, Ping{Report: r.ID, To: who, Event: ev.ID})
		}
		if len(page) < stalePage || fresh == 0 {
			return pings, nil
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pingComment says on the timeline why the report was pinged, and whom.
func pingComment(s *ward.StaleReport, th ward.StaleThresholds, who string) string {
	rating := s.Report.Severity.Rating // watched reports are rated
	msg := fmt.Sprintf("No update since %s; %s reports are pinged after %s without one.",
		s.LastActivity.Format("2006-01-02 15:04 UTC"), rating, th[strings.ToLower(rating)])
	if who == "" {
		return msg + " Nobody to ping: no commander, no assignee, nobody on call."
	}
	return msg + " Pinging " + who + "."
}
