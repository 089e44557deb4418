package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
)

// require answers 403 and returns false unless the caller may do p.
func (s *Server) require(w http.ResponseWriter, r *http.Request, p ward.Permission) bool {
	if err := ward.Require(ward.ActorFromContext(r.Context()), p); err != nil {
		s.Error(w, r, err)
		return false
	}
	return true
}

// mayWork answers 403 and returns false unless the caller may ask for cover,
// take it or leave handoff notes on the rotation (mayWorkOn).
func (s *Server) mayWork(w http.ResponseWriter, r *http.Request) bool {
	if err := s.mayWorkOn(r); err != nil {
		s.Error(w, r, err)
		return false
	}
	return true
}

// mayWorkOn refuses, as EFORBIDDEN, anyone who may not ask for cover, take
// it or leave handoff notes on the rotation: those are for anyone who may
// edit schedules, and whoever works the rotation (oncall.Service.Works)
// whatever their role.
func (s *Server) mayWorkOn(r *http.Request) error {
	actor := ward.ActorFromContext(r.Context())
	if ward.Can(actor, ward.EditSchedule) {
		return nil
	}
	works, err := s.cfg.OnCall.Works(r.Context(), r.PathValue("name"), actor.Email)
	if err != nil || works {
		return err
	}
	return ward.Require(actor, ward.EditSchedule)
}

// mayCancelSwap refuses, as EFORBIDDEN, anyone but the request's requester
// or an admin.
func mayCancelSwap(actor ward.Actor, req *ward.SwapRequest) error {
	if req.Requester == actor.Email {
		return nil
	}
	return ward.Require(actor, ward.ManageRotations)
}

// queryTime reads an RFC 3339 time from the query; a missing one is def,
// or an error naming the parameter when def is zero.
func queryTime(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if def.IsZero() {
			return time.Time{}, ward.Errorf(ward.EINVALID, "%s: required, as an RFC 3339 time such as 2026-01-05T09:00:00Z", name)
		}
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, ward.Errorf(ward.EINVALID, "%s: %q is not an RFC 3339 time such as 2026-01-05T09:00:00Z", name, v)
	}
	return t, nil
}

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, ward.Errorf(ward.ENOTFOUND, "no %s has the id %q", what, r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) handleRotationList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	rotations, err := s.cfg.Rotations.FindRotations(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Rotations []*ward.Rotation `json:"rotations"`
	}{rotations})
}

func (s *Server) handleRotationView(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	rot, err := s.cfg.Rotations.FindRotationByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rot)
}

// rotationBody is the body of POST /api/v1/rotations and PATCH
// /api/v1/rotations/{name}: the team file's keys.
type rotationBody struct {
	Name              string   `json:"name"`
	Members           []string `json:"members"`
	Shift             *string  `json:"shift"`
	Handoff           *string  `json:"handoff"`
	Start             *string  `json:"start"`
	BusinessHoursOnly *bool    `json:"business_hours_only"`
}

func (b rotationBody) spec() (ward.RotationSpec, error) {
	spec := ward.RotationSpec{Name: b.Name, Members: b.Members, Handoff: b.Handoff, Start: b.Start, BusinessHoursOnly: b.BusinessHoursOnly}
	if b.Shift != nil {
		d, err := time.ParseDuration(*b.Shift)
		if err != nil {
			return spec, ward.Errorf(ward.EINVALID, "shift: %q is not a duration such as 168h", *b.Shift)
		}
		spec.Shift = &d
	}
	return spec, nil
}

// handleRotationCreate and handleRotationUpdate apply one rotation as a
// team file would: one way to change rotations, whichever door.
func (s *Server) handleRotationCreate(w http.ResponseWriter, r *http.Request) {
	s.applyRotation(w, r, false)
}

func (s *Server) handleRotationUpdate(w http.ResponseWriter, r *http.Request) {
	s.applyRotation(w, r, true)
}

func (s *Server) applyRotation(w http.ResponseWriter, r *http.Request, update bool) {
	if !s.require(w, r, ward.ManageRotations) {
		return
	}
	var body rotationBody
	if err := s.decode(w, r, &body); err != nil {
		s.Error(w, r, err)
		return
	}
	if update {
		if body.Name != "" && body.Name != r.PathValue("name") {
			s.Error(w, r, ward.Errorf(ward.EINVALID, "name: a rotation cannot be renamed"))
			return
		}
		body.Name = r.PathValue("name")
		if _, err := s.cfg.Rotations.FindRotationByName(r.Context(), body.Name); err != nil {
			s.Error(w, r, err)
			return
		}
	} else if _, err := s.cfg.Rotations.FindRotationByName(r.Context(), body.Name); err == nil {
		s.Error(w, r, ward.Errorf(ward.ECONFLICT, "a rotation named %q exists; change it with PATCH", body.Name))
		return
	} else if ward.ErrorCode(err) != ward.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	spec, err := body.spec()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.cfg.Team.ApplyTeam(r.Context(), ward.TeamSpec{Rotations: []ward.RotationSpec{spec}}, false); err != nil {
		s.Error(w, r, err)
		return
	}
	rot, err := s.cfg.Rotations.FindRotationByName(r.Context(), spec.Name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if !update {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/rotations/"+rot.Name)
	}
	writeJSON(w, status, rot)
}

func (s *Server) handleOnCall(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	at, err := queryTime(r, "at", s.cfg.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	oc, err := s.cfg.OnCall.OnCall(r.Context(), r.PathValue("name"), at)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, oc)
}

// overRange answers a range query on the rotation in the path: it checks
// the caller may read schedules, reads from and to, and calls compute. On
// failure it has answered, and returns false.
func overRange[T any](s *Server, w http.ResponseWriter, r *http.Request,
	compute func(context.Context, string, time.Time, time.Time) ([]T, error)) ([]T, bool) {
	if !s.require(w, r, ward.ReadSchedule) {
		return nil, false
	}
	from, err := queryTime(r, "from", time.Time{})
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	to, err := queryTime(r, "to", time.Time{})
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	out, err := compute(r.Context(), r.PathValue("name"), from, to)
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	return out, true
}

func (s *Server) handleShiftList(w http.ResponseWriter, r *http.Request) {
	if shifts, ok := overRange(s, w, r, s.cfg.OnCall.Shifts); ok {
		writeJSON(w, http.StatusOK, struct {
			Shifts []oncall.Shift `json:"shifts"`
		}{shifts})
	}
}

func (s *Server) handleGapList(w http.ResponseWriter, r *http.Request) {
	if gaps, ok := overRange(s, w, r, s.cfg.OnCall.Gaps); ok {
		writeJSON(w, http.StatusOK, struct {
			Gaps []oncall.Gap `json:"gaps"`
		}{gaps})
	}
}

func (s *Server) handleOverrideList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	sched, err := s.cfg.OnCall.Schedule(r.Context(), r.PathValue("name"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	all := r.URL.Query().Get("include_deleted") == "true"
	out := []ward.Override{}
	for _, o := range sched.Overrides {
		if all || o.DeletedAt == nil {
			out = append(out, o)
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Overrides []ward.Override `json:"overrides"`
	}{out})
}

// newOverride is the body of POST /api/v1/rotations/{name}/overrides.
type newOverride struct {
	Member string    `json:"member"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}

func (s *Server) handleOverrideCreate(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.EditSchedule) {
		return
	}
	var in newOverride
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if strings.TrimSpace(in.Member) == "" {
		s.Error(w, r, ward.Errorf(ward.EINVALID, "member: required, the email of who covers"))
		return
	}
	o, err := s.cfg.OnCall.AddOverride(r.Context(), r.PathValue("name"), ward.Override{Member: in.Member, Start: in.Start, End: in.End, Reason: in.Reason})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) handleOverrideDelete(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.EditSchedule) {
		return
	}
	id, err := pathID(r, "override")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.cfg.Rotations.DeleteOverride(r.Context(), r.PathValue("name"), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// newSwap is the body of POST /api/v1/rotations/{name}/swaps: the start
// times of the two shifts to exchange.
type newSwap struct {
	First  time.Time `json:"first"`
	Second time.Time `json:"second"`
}

func (s *Server) handleSwapCreate(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.EditSchedule) {
		return
	}
	var in newSwap
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	overrides, err := s.cfg.OnCall.Swap(r.Context(), r.PathValue("name"), in.First, in.Second)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Overrides []ward.Override `json:"overrides"`
	}{overrides})
}

func (s *Server) handleSwapRequestList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", ward.SwapOpen, ward.SwapTaken, ward.SwapCancelled:
	default:
		s.Error(w, r, ward.Errorf(ward.EINVALID, "status: %q is not one of open, taken, cancelled", status))
		return
	}
	reqs, err := s.cfg.Rotations.FindSwapRequests(r.Context(), r.PathValue("name"), status)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		SwapRequests []*ward.SwapRequest `json:"swap_requests"`
	}{reqs})
}

// newSwapRequest is the body of POST /api/v1/rotations/{name}/swap-requests:
// the range to cover; without end, the rest of the shift start falls in.
type newSwapRequest struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Note  string    `json:"note"`
}

func (s *Server) handleSwapRequestCreate(w http.ResponseWriter, r *http.Request) {
	if !s.mayWork(w, r) {
		return
	}
	var in newSwapRequest
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	req, err := s.cfg.OnCall.RequestSwap(r.Context(), r.PathValue("name"), ward.ActorFromContext(r.Context()).Email, in.Start, in.End, in.Note)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

func (s *Server) handleSwapRequestTake(w http.ResponseWriter, r *http.Request) {
	if !s.mayWork(w, r) {
		return
	}
	id, err := pathID(r, "swap request")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	req, err := s.cfg.OnCall.TakeSwap(r.Context(), r.PathValue("name"), id, ward.ActorFromContext(r.Context()).Email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// handleSwapRequestCancel lets the requester, or an admin, withdraw a
// request.
func (s *Server) handleSwapRequestCancel(w http.ResponseWriter, r *http.Request) {
	actor := ward.ActorFromContext(r.Context())
	id, err := pathID(r, "swap request")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	req, err := s.cfg.Rotations.FindSwapRequestByID(r.Context(), r.PathValue("name"), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := mayCancelSwap(actor, req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req, err = s.cfg.Rotations.CancelSwapRequest(r.Context(), r.PathValue("name"), id); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (s *Server) handleHandoffNoteList(w http.ResponseWriter, r *http.Request) {
	if !s.require(w, r, ward.ReadSchedule) {
		return
	}
	notes, err := s.cfg.Rotations.FindHandoffNotes(r.Context(), r.PathValue("name"), 50)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		HandoffNotes []*ward.HandoffNote `json:"handoff_notes"`
	}{notes})
}

func (s *Server) handleHandoffNoteCreate(w http.ResponseWriter, r *http.Request) {
	if !s.mayWork(w, r) {
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.cfg.OnCall.LeaveHandoffNote(r.Context(), r.PathValue("name"), ward.ActorFromContext(r.Context()).Email, in.Body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}
