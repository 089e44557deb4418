package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/clock"
)

// Store is what the service needs of the store.
type Store interface {
	ward.DispatchService
	FindMembers(ctx context.Context, filter ward.MemberFilter) ([]*ward.Member, error)
	FindMemberByEmail(ctx context.Context, email string) (*ward.Member, error)
}

// Sender sends one dispatch on its channel. An error with a method
// Permanent() bool answering true is not retried; one with a method
// RetryAfter() time.Duration answering more than zero is retried no
// sooner.
type Sender interface {
	Send(ctx context.Context, d *ward.Dispatch) error
}

// Config is what the service needs from outside.
type Config struct {
	Store Store
	// Senders by channel (ward.ChannelEmail, …). Nothing is queued on a
	// channel without one, and this instance claims only dispatches on
	// channels it has one for: every instance running the jobs should be
	// configured alike, or one without mail drops the email of what it
	// fans out.
	Senders map[string]Sender
	// OnCall returns who is on call at the instant, "" for nobody: a new
	// report's notification is theirs.
	OnCall func(ctx context.Context, at time.Time) (string, error)
	// NextWorking returns when the member next works at or after t (see
	// oncall.Service.NextWorking).
	NextWorking func(ctx context.Context, m *ward.Member, t time.Time) (time.Time, bool, error)
	Clock       clock.Clock // the team's clock, for when dispatches are due; the system's when nil
	// MachineNow is the machine's clock, which leases and back-off
	// follow, whatever the team's clock says; time.Now when nil.
	MachineNow func() time.Time
	BaseURL    string // where the desk is, for links
	Logger     *slog.Logger
	// Timeout bounds one send, so that a receiver that hangs holds one
	// of the Parallel slots for that long and no longer; 10 s when 0.
	Timeout time.Duration
	// Parallel is how many sends run at once; 8 when 0.
	Parallel int
	// Lease is how long a claimed dispatch is this instance's: longer than
	// Timeout, short enough that another instance soon takes over what a
	// dead one held; 30 s when 0.
	Lease time.Duration
	// Poll is how often the outbox is looked at without a poke (another
	// instance may have written to it); a second when 0.
	Poll time.Duration
}

// Service fans notifications out and sends dispatches.
type Service struct {
	cfg      Config
	channels []string // those with a sender: the only ones this instance claims
	poke     chan struct{}
}

// New returns a service; Run starts its worker.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.MachineNow == nil {
		cfg.MachineNow = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Lease <= cfg.Timeout {
		cfg.Lease = 3 * cfg.Timeout // a send must end within its lease
	}
	s := &Service{cfg: cfg, poke: make(chan struct{}, 1)}
	for channel, sender := range cfg.Senders {
		if sender != nil {
			s.channels = append(s.channels, channel)
		}
	}
	return s
}

// Poke makes the worker look at the outbox now rather than at its next poll.
func (s *Service) Poke() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// Run fans out and sends until ctx ends. The two run apart, so that
// sends held up by receivers that hang keep nothing new from being fanned
// out (and an urgent dispatch from being claimed first).
func (s *Service) Run(ctx context.Context) {
	fanned := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.loop(ctx, s.poke, func() {
			n, err := s.FanOut(ctx)
			if err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("fan out notifications", "err", err)
			}
			if n > 0 {
				select {
				case fanned <- struct{}{}:
				default:
				}
			}
		})
	}()
	s.loop(ctx, fanned, func() {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("send notifications", "err", err)
		}
	})
	<-done
}

// loop calls work now, then at each poll or wake, until ctx ends.
func (s *Service) loop(ctx context.Context, wake <-chan struct{}, work func()) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		work()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// sendable keeps the dispatches on channels this instance has a sender
// for: without --smtp-url, a notification is shown in ward and not mailed,
// rather than queued to fail.
func (s *Service) sendable(ds []*ward.Dispatch) []*ward.Dispatch {
	out := ds[:0]
	for _, d := range ds {
		if s.cfg.Senders[d.Channel] != nil {
			out = append(out, d)
		}
	}
	return out
}

// fanOutPage is how many notifications FanOut reads at a time.
const fanOutPage = 200

// FanOut turns every pending notification into its dispatches and returns
// how many notifications it fanned out.
func (s *Service) FanOut(ctx context.Context) (int, error) {
	total := 0
	for {
		pending, err := s.cfg.Store.PendingNotifications(ctx, fanOutPage)
		if err != nil || len(pending) == 0 {
			return total, err
		}
		members, prefs, channels, err := s.load(ctx)
		if err != nil {
			return total, err
		}
		var ids []int64
		var ds []*ward.Dispatch
		for _, n := range pending {
			to, err := s.recipient(ctx, n, members, prefs)
			if err != nil {
				return total, err
			}
			ids = append(ids, n.ID)
			ds = append(ds, s.sendable(Plan(n, to, channels, s.cfg.BaseURL))...)
		}
		if err := s.cfg.Store.FanOut(ctx, ids, ds); err != nil {
			return total, err
		}
		total += len(pending)
		if len(pending) < fanOutPage {
			return total, nil
		}
	}
}

func (s *Service) load(ctx context.Context) (map[string]*ward.Member, map[string]ward.NotifyPrefs, []ward.NotifyChannel, error) {
	all, err := s.cfg.Store.FindMembers(ctx, ward.MemberFilter{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fan out: members: %w", err)
	}
	members := map[string]*ward.Member{}
	for _, m := range all {
		members[m.Email] = m
	}
	prefs, err := s.cfg.Store.NotifyPrefs(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	channels, err := s.cfg.Store.NotifyChannels(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return members, prefs, channels, nil
}

// recipient says how to reach the member n is for; a new report's (n's
// Member is "") is for the on-call, whom it names in n.
func (s *Service) recipient(ctx context.Context, n *ward.PendingNotification, members map[string]*ward.Member, prefs map[string]ward.NotifyPrefs) (Recipient, error) {
	if n.Member == "" && n.Kind != "create" {
		n.Kind = KindCritical // the other notification addressed to the on-call
	}
	if n.Member == "" && s.cfg.OnCall != nil {
		who, err := s.cfg.OnCall(ctx, n.CreatedAt)
		if err != nil {
			return Recipient{}, fmt.Errorf("fan out notification %d: who is on call: %w", n.ID, err)
		}
		n.Member = who
	}
	return s.reach(ctx, members[n.Member], prefs, n.CreatedAt) // FindMembers leaves the disabled out
}

// reach says how to reach m (nil: a member ward no longer has) at at.
func (s *Service) reach(ctx context.Context, m *ward.Member, prefs map[string]ward.NotifyPrefs, at time.Time) (Recipient, error) {
	if m == nil {
		return Recipient{}, nil
	}
	to := Recipient{Active: true, Prefs: ward.DefaultNotifyPrefs(m.Email)}
	if p, ok := prefs[m.Email]; ok {
		to.Prefs = p
	}
	if s.cfg.NextWorking != nil {
		next, ok, err := s.cfg.NextWorking(ctx, m, at)
		if err != nil {
			return Recipient{}, fmt.Errorf("when %s works next: %w", m.Email, err)
		}
		if ok {
			to.NextWorking = next
		}
	}
	return to, nil
}

// QueueToMember queues one message to a member, such as the start-of-shift
// brief, on the channels of their preferences and at their next working
// hour after at, once per key; false when it was queued already (by this
// instance or another) or there is no such member.
func (s *Service) QueueToMember(ctx context.Context, member, key, kind, subject, body string, at time.Time) (bool, error) {
	members, prefs, channels, err := s.load(ctx)
	if err != nil {
		return false, err
	}
	to, err := s.reach(ctx, members[member], prefs, at)
	if err != nil || !to.Active {
		return false, err
	}
	queued := false
	for _, d := range s.sendable(ToMember(member, to, channels, key, subject, body, at, false)) {
		d.Kind = kind
		added, err := s.cfg.Store.QueueDispatch(ctx, d)
		if err != nil {
			return queued, err
		}
		queued = queued || added
	}
	s.Poke()
	return queued, nil
}

// The pace of retries: doubling from firstRetry to lastRetry, and given up
// after maxAttempts (about a day).
const (
	firstRetry  = 15 * time.Second
	lastRetry   = time.Hour
	maxAttempts = 30
)

// Backoff is how long to wait after the attempts-th failure.
func Backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < lastRetry; i++ {
		d *= 2
	}
	return min(d, lastRetry)
}

// SendDue sends the dispatches due now, Parallel at a time, and returns
// how many it sent. It claims a dispatch only when a slot is free to send
// it at once, so that each is sent within its lease (Timeout < Lease),
// and a receiver that hangs holds its slot, not the others.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result, s.cfg.Parallel)
	sent, inFlight, more := 0, 0, true
	var errs []error
	for {
		if free := s.cfg.Parallel - inFlight; more && free > 0 && ctx.Err() == nil {
			due, err := s.cfg.Store.ClaimDispatches(ctx, s.channels, s.cfg.Clock.Now(), s.cfg.MachineNow(), s.cfg.Lease, free)
			if err != nil {
				errs, more = append(errs, err), false
			}
			more = more && len(due) == free
			for _, d := range due {
				inFlight++
				go func() {
					ok, err := s.send(ctx, d)
					done <- result{ok, err}
				}()
			}
		}
		if inFlight == 0 {
			return sent, errors.Join(errs...)
		}
		r := <-done
		inFlight--
		if r.ok {
			sent++
		}
		if r.err != nil {
			errs = append(errs, r.err)
		}
		// A slot is free: look again, as more may have fallen due.
		more = more || r.err == nil
	}
}

// send sends one dispatch and records what happened; the error is the
// store's, a failed send being recorded rather than returned.
func (s *Service) send(ctx context.Context, d *ward.Dispatch) (bool, error) {
	sender := s.cfg.Senders[d.Channel]
	err := s.stillWanted(ctx, d)
	switch {
	case err != nil:
	case sender == nil:
		err = permanentError{fmt.Errorf("no %s is configured for ward serve", channelNames[d.Channel])}
	default:
		sctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		err = sender.Send(sctx, d)
		cancel()
	}
	if err == nil {
		return true, s.lost(d, s.cfg.Store.MarkDispatched(context.WithoutCancel(ctx), d))
	}
	if ctx.Err() != nil {
		return false, nil // shutting down: the lease runs out and the dispatch goes again
	}
	retry := time.Time{}
	if attempts := d.Attempts + 1; !isPermanent(err) && attempts < maxAttempts {
		wait := Backoff(attempts)
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) && ra.RetryAfter() > wait {
			wait = min(ra.RetryAfter(), 6*time.Hour)
		}
		retry = s.cfg.MachineNow().Add(wait)
	}
	// The reason is kept and shown to the team; senders keep payloads and
	// secrets out of their errors.
	s.cfg.Logger.Warn("notification not sent", "dispatch", d.ID, "channel", d.Channel, "target", d.Target, "attempt", d.Attempts+1, "retry", !retry.IsZero(), "err", err)
	return false, s.lost(d, s.cfg.Store.MarkDispatchFailed(context.WithoutCancel(ctx), d, err.Error(), retry))
}

// lost passes the store's error on, but a lease that ran out while this
// instance was sending: another instance took the dispatch over and will
// record it (having sent it again, or sending it now: at least once).
func (s *Service) lost(d *ward.Dispatch, err error) error {
	if ward.ErrorCode(err) == ward.ECONFLICT {
		s.cfg.Logger.Warn("notification sent past its lease; another instance took it over", "dispatch", d.ID, "channel", d.Channel)
		return nil
	}
	return err
}

// stillWanted refuses, for good, a dispatch to a member who has been
// disabled, or has changed how they are reached, since it was queued: a
// notification that waited for Monday must not reach someone offboarded
// over the weekend, nor an address they turned off.
func (s *Service) stillWanted(ctx context.Context, d *ward.Dispatch) error {
	if d.Member == "" {
		return nil
	}
	m, err := s.cfg.Store.FindMemberByEmail(ctx, d.Member)
	if ward.ErrorCode(err) == ward.ENOTFOUND || err == nil && m.Disabled {
		return permanentError{fmt.Errorf("%s is no longer an active member", d.Member)}
	}
	if err != nil {
		return err
	}
	all, err := s.cfg.Store.NotifyPrefs(ctx)
	if err != nil {
		return err
	}
	p, ok := all[d.Member]
	if !ok {
		p = ward.DefaultNotifyPrefs(d.Member)
	}
	switch {
	case d.Channel == ward.ChannelEmail && !p.Email:
		return permanentError{fmt.Errorf("%s turned email off", d.Member)}
	case d.Channel == ward.ChannelSlack && p.Slack != d.Target:
		return permanentError{fmt.Errorf("%s changed their Slack member ID", d.Member)}
	}
	return nil
}

var channelNames = map[string]string{
	ward.ChannelEmail:   "mail server (--smtp-url)",
	ward.ChannelSlack:   "Slack",
	ward.ChannelWebhook: "webhook sender",
}

type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }

func (e permanentError) Unwrap() error { return e.error }

func isPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
