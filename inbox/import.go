package inbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-mbox"
	"github.com/wardsec/ward"
)

// MaxImportMessage is the largest message an import takes: as large as
// anything a mail server would have accepted, and what an import holds in
// memory at once.
const MaxImportMessage = 64 << 20

// ImportStats counts what an import did.
type ImportStats struct {
	Created int `json:"created"`
	Flagged int `json:"flagged"` // of Created: kept as received, not fully read
	Skipped int `json:"skipped"` // stored before
}

// ImportMbox stores every message of an mbox archive, one at a time, so
// that memory holds one message however large the archive. Messages stored
// before are skipped: an import that stopped can be run again. name is the
// archive's, for errors.
func (s *Service) ImportMbox(ctx context.Context, r io.Reader, name string) (ImportStats, error) {
	mr := mbox.NewReader(bufio.NewReaderSize(r, 1<<20))
	var st ImportStats
	for n := 1; ; n++ {
		msg, err := mr.NextMessage()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if errors.Is(err, mbox.ErrInvalidFormat) {
			return st, ward.Errorf(ward.EINVALID, "%s: not an mbox archive: it must start with a \"From \" line", name)
		}
		if err != nil {
			return st, fmt.Errorf("read %s: %w", name, err)
		}
		if err := s.importOne(ctx, msg, ward.MailMbox, &st); err != nil {
			return st, fmt.Errorf("%s: message %d: %w", name, n, err)
		}
	}
}

// ImportMessage stores one message read from r, such as an .eml file.
func (s *Service) ImportMessage(ctx context.Context, r io.Reader, st *ImportStats) error {
	return s.importOne(ctx, r, ward.MailEML, st)
}

func (s *Service) importOne(ctx context.Context, r io.Reader, source string, st *ImportStats) error {
	raw, err := io.ReadAll(io.LimitReader(r, MaxImportMessage+1))
	if err != nil {
		return err
	}
	if len(raw) > MaxImportMessage {
		return ward.Errorf(ward.ETOOLARGE, "larger than %d MiB", MaxImportMessage>>20)
	}
	in, err := s.Receive(ctx, raw, ward.Delivery{Source: source})
	if err != nil {
		return err
	}
	switch {
	case !in.Created:
		st.Skipped++
	case len(in.Message.Problems) > 0:
		st.Created++
		st.Flagged++
	default:
		st.Created++
	}
	return nil
}
