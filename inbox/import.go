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

// An import commits a batch at a time: up to importBatch messages or
// importBatchBytes of them, whichever comes first. Each commit is durable;
// a crash loses at most the batch being written, which importing again
// adds.
const (
	importBatch      = 100
	importBatchBytes = 16 << 20
)

// ImportMbox stores every message of an mbox archive, reading one at a
// time, so that memory holds a batch however large the archive. Messages
// stored before are skipped: an import that stopped can be run again. name
// is the archive's, for errors. Imports send no acknowledgements.
func (s *Service) ImportMbox(ctx context.Context, r io.Reader, name string) (ImportStats, error) {
	mr := mbox.NewReader(bufio.NewReaderSize(r, 1<<20))
	var st ImportStats
	b := batch{}
	for n := 1; ; n++ {
		msg, err := mr.NextMessage()
		if errors.Is(err, io.EOF) {
			return st, s.flush(ctx, &b, &st, name)
		}
		if errors.Is(err, mbox.ErrInvalidFormat) {
			return st, ward.Errorf(ward.EINVALID, "%s: not an mbox archive: it must start with a \"From \" line", name)
		}
		if err != nil {
			return st, fmt.Errorf("read %s: %w", name, err)
		}
		raw, err := readMessage(msg)
		if err != nil {
			return st, fmt.Errorf("%s: message %d: %w", name, n, err)
		}
		b.add(raw, ward.MailMbox)
		if len(b.items) >= importBatch || b.bytes >= importBatchBytes {
			if err := s.flush(ctx, &b, &st, name); err != nil {
				return st, err
			}
		}
	}
}

// ImportMessage stores one message read from r, such as an .eml file,
// counting it in st.
func (s *Service) ImportMessage(ctx context.Context, r io.Reader, st *ImportStats) error {
	raw, err := readMessage(r)
	if err != nil {
		return err
	}
	b := batch{}
	b.add(raw, ward.MailEML)
	return s.flush(ctx, &b, st, "")
}

func readMessage(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxImportMessage+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxImportMessage {
		return nil, ward.Errorf(ward.ETOOLARGE, "larger than %d MiB", MaxImportMessage>>20)
	}
	return raw, nil
}

// batch is messages read and not yet stored.
type batch struct {
	items []ward.Incoming
	bytes int
}

func (b *batch) add(raw []byte, source string) {
	m, _ := Read(raw)
	b.items = append(b.items, ward.Incoming{Message: m, Raw: raw, Delivery: ward.Delivery{Source: source}})
	b.bytes += len(raw)
}

// flush stores the batch and counts what it did.
func (s *Service) flush(ctx context.Context, b *batch, st *ImportStats, name string) error {
	if len(b.items) == 0 {
		return nil
	}
	done, err := s.mail.IngestMessages(ctx, b.items)
	if err != nil {
		if name != "" {
			return fmt.Errorf("%s: %w", name, err)
		}
		return err
	}
	for _, in := range done {
		switch {
		case !in.Created:
			st.Skipped++
		case len(in.Message.Problems) > 0:
			st.Created++
			st.Flagged++
		default:
			st.Created++
		}
	}
	*b = batch{}
	return nil
}
