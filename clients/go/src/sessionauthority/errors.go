package sessionauthority

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is every failed call's error: the gRPC code, the ErrorInfo reason
// (stable, documented in the README) with its metadata, and what RetryInfo
// and BadRequest said. Take it out with errors.As:
//
//	var e *sessionauthority.Error
//	if errors.As(err, &e) && e.Reason == "REFRESH_TOKEN_REUSED" { ... }
type Error struct {
	Code     codes.Code
	Message  string
	Reason   string
	Metadata map[string]string
	// RetryAfter is 0 when the server did not say when to retry.
	RetryAfter      time.Duration
	FieldViolations []FieldViolation
	status          *status.Status
}

// FieldViolation names one bad field of a request and what is wrong with it.
type FieldViolation struct {
	Field       string
	Description string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if e.Reason != "" {
		s += " [" + e.Reason + "]"
	}
	return s
}

// GRPCStatus lets status.FromError and status.Code see the original status.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// HistoryCompacted is a watch's REVISION_COMPACTED (OUT_OF_RANGE): the
// history asked for is gone. Reload from ListSessions and watch from
// CompactRevision. errors.As also finds the *Error in Err.
type HistoryCompacted struct {
	Err             *Error
	CompactRevision int64
}

func (h *HistoryCompacted) Error() string { return h.Err.Error() }
func (h *HistoryCompacted) Unwrap() error { return h.Err }

// RevisionAhead is a watch's REVISION_AHEAD: the server's database went back
// in time (restored from a backup), so what you hold may be ahead of it.
type RevisionAhead struct {
	Err          *Error
	HeadRevision int64
}

func (r *RevisionAhead) Error() string { return r.Err.Error() }
func (r *RevisionAhead) Unwrap() error { return r.Err }

// fromError types a gRPC error; anything else (a context's error, nil) is
// returned as it is.
func fromError(err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	e := &Error{Code: st.Code(), Message: st.Message(), Metadata: map[string]string{}, status: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason = d.GetReason()
			for k, v := range d.GetMetadata() {
				e.Metadata[k] = v
			}
		case *errdetails.RetryInfo:
			if rd := d.GetRetryDelay(); rd != nil {
				e.RetryAfter = time.Duration(rd.GetSeconds())*time.Second + time.Duration(rd.GetNanos())
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{v.GetField(), v.GetDescription()})
			}
		}
	}
	switch {
	case e.Reason == "REVISION_AHEAD":
		return &RevisionAhead{Err: e, HeadRevision: metaInt(e, "head_revision")}
	case e.Reason == "REVISION_COMPACTED" || e.Code == codes.OutOfRange:
		return &HistoryCompacted{Err: e, CompactRevision: metaInt(e, "compact_revision")}
	}
	return e
}

func metaInt(e *Error, key string) int64 {
	n, _ := strconv.ParseInt(e.Metadata[key], 10, 64)
	return n
}
