package server

import (
	"net/http"

	"github.com/wardsec/ward"
)

// handleNotificationList pages through the caller's own notifications,
// newest first; unread=true leaves out the ones read.
func (s *Server) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := readCursor(q, "a notification", 50, 500)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	unread := q.Get("unread")
	if unread != "" && unread != "true" && unread != "false" {
		s.Error(w, r, ward.Errorf(ward.EINVALID, "unread: want true or false"))
		return
	}
	list, err := s.cfg.Notifications.FindNotifications(r.Context(), ward.NotificationFilter{
		Member: ward.ActorFromContext(r.Context()).Email, Unread: unread == "true", Before: c.Before, Limit: c.Limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Notifications []*ward.Notification `json:"notifications"`
		Next          string               `json:"next,omitempty"`
	}{Notifications: list}
	if len(list) > 0 {
		page.Next = c.next(r, len(list), list[len(list)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "notification")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.cfg.Notifications.MarkNotificationRead(r.Context(), ward.ActorFromContext(r.Context()).Email, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
