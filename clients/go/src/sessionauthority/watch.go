package sessionauthority

import (
	"context"
	"errors"
	"io"
	"math/rand"
	"sync"
	"time"

	"google.golang.org/grpc/codes"

	pb "sessionauthority/v1"
)

// WatchOptions narrow a watch and hook into it. The zero value watches
// every event of the tenant from now.
type WatchOptions struct {
	SubjectID, SessionID, Reference string
	// StartRevision 0 is "from now"; otherwise the first revision wanted.
	StartRevision int64
	// EventTypes narrows the stream to those types (progress still flows).
	EventTypes []pb.SessionEventType
	// OnProgress is called with every bookmark; an error ends the watch.
	OnProgress func(revision int64) error
	// OnReconnect is called before each resume; an error ends the watch.
	// Treat it as "fail closed until the next event or progress".
	OnReconnect func(err error, nextRevision int64) error
	// MaxBackoff caps the jittered pause between resumes (default 10 s).
	MaxBackoff time.Duration
	// IdleTimeout: a stream silent this long is presumed cut off (a dead
	// peer, a black-holed connection) and resumed; the server sends a
	// progress at least every 10 s. Default 30 s.
	IdleTimeout time.Duration
}

// Endings after which the same request, resumed by revision, will work.
var retryable = map[codes.Code]bool{
	codes.Unavailable: true, codes.ResourceExhausted: true, codes.DeadlineExceeded: true,
	codes.Internal: true, codes.Unknown: true, codes.Aborted: true, codes.Canceled: true,
}

var errSilent = errors.New("sessionauthority: no message within the idle timeout")

// Watch calls onEvent with every matching event exactly once, in revision
// order, across disconnects and server restarts, until ctx ends (ctx.Err()),
// a callback returns an error (that error), or the server answers what a
// retry cannot fix: *HistoryCompacted (reload from ListSessions and watch
// from CompactRevision), *RevisionAhead (the database went back in time:
// reload too) or an *Error (bad arguments, credentials).
func (c *Client) Watch(ctx context.Context, o WatchOptions, onEvent func(*pb.SessionEvent) error) error {
	maxBackoff, idle := o.MaxBackoff, o.IdleTimeout
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Second
	}
	if idle <= 0 {
		idle = 30 * time.Second
	}
	next := o.StartRevision
	backoff := 100 * time.Millisecond
	for {
		heard, err := c.watchOnce(ctx, o, idle, &next, onEvent)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if heard {
			backoff = 100 * time.Millisecond
		}
		var stop *callbackError
		if errors.As(err, &stop) {
			return stop.err
		}
		if err != nil && err != errSilent {
			typed := fromError(err)
			var e *Error
			if !errors.As(typed, &e) || !retryable[e.Code] {
				return typed
			}
			err = typed
		}
		if o.OnReconnect != nil && err != nil {
			if cbErr := o.OnReconnect(err, next); cbErr != nil {
				return cbErr
			}
		}
		// Jittered, so that the clients of a restarted server do not all come back at once.
		pause := backoff/2 + time.Duration(rand.Int63n(int64(backoff/2)+1))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		if backoff *= 2; backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

type callbackError struct{ err error }

func (c *callbackError) Error() string { return c.err.Error() }

// watchOnce runs one stream to its end; heard says whether any message came.
func (c *Client) watchOnce(ctx context.Context, o WatchOptions, idle time.Duration, next *int64, onEvent func(*pb.SessionEvent) error) (bool, error) {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	silent := false
	watchdog := time.AfterFunc(idle, func() {
		mu.Lock()
		silent = true
		mu.Unlock()
		cancel()
	})
	defer watchdog.Stop()
	wasSilent := func(err error) error {
		mu.Lock()
		defer mu.Unlock()
		if silent && ctx.Err() == nil {
			return errSilent
		}
		return err
	}
	stream, err := c.Sessions.WatchSessions(streamCtx, &pb.WatchSessionsRequest{
		SubjectId: o.SubjectID, SessionId: o.SessionID, Reference: o.Reference,
		StartRevision: *next, EventTypes: o.EventTypes,
	})
	if err != nil {
		return false, wasSilent(err)
	}
	heard := false
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return heard, nil
		}
		if err != nil {
			return heard, wasSilent(err)
		}
		// The caller's time in a callback is not the stream's silence.
		if !watchdog.Stop() {
			return heard, wasSilent(context.Canceled)
		}
		heard = true
		if e := m.GetEvent(); e != nil {
			*next = e.GetRevision() + 1
			if err := onEvent(e); err != nil {
				return heard, &callbackError{err}
			}
		} else if p := m.GetProgress(); p != nil {
			if p.GetRevision()+1 > *next {
				*next = p.GetRevision() + 1
			}
			if o.OnProgress != nil {
				if err := o.OnProgress(p.GetRevision()); err != nil {
					return heard, &callbackError{err}
				}
			}
		}
		watchdog.Reset(idle)
	}
}
