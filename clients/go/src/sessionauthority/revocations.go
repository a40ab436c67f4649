package sessionauthority

// The LocalVerifier's view of which sessions have ended: a snapshot, then a
// watch of ending events (list, then watch, as Kubernetes informers do).
//
//  1. ListEndedSessions: at one revision R, every session of this tenant
//     that ended recently enough that a token of it may still be unexpired.
//  2. WatchSessions from R + 1, for REVOKED, EXPIRED and TERMINATED only,
//     resumed by revision across reconnects.
//  3. Answers count ("healthy") only once the stream has reached the head
//     revision probed after the snapshot, and only while it keeps talking.
//  4. A resume into compacted history, a server whose head is below what
//     this feed has seen (a database restored from a backup), or a
//     REVISION_AHEAD answer: fail closed, take a new snapshot. Never skip.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"

	pb "sessionauthority/v1"
)

var endedReasons = map[pb.SessionState]string{
	pb.SessionState_SESSION_STATE_REVOKED:    "SESSION_REVOKED",
	pb.SessionState_SESSION_STATE_TERMINATED: "SESSION_TERMINATED",
	pb.SessionState_SESSION_STATE_EXPIRED:    "SESSION_EXPIRED",
}

var endingEvents = []pb.SessionEventType{
	pb.SessionEventType_SESSION_EVENT_TYPE_REVOKED,
	pb.SessionEventType_SESSION_EVENT_TYPE_EXPIRED,
	pb.SessionEventType_SESSION_EVENT_TYPE_TERMINATED,
}

const snapshotPage = 5000

// Errors a new snapshot cannot fix: the caller's key or arguments.
var fatal = map[codes.Code]bool{
	codes.Unauthenticated: true, codes.PermissionDenied: true,
	codes.InvalidArgument: true, codes.Unimplemented: true,
}

// errRewound: the server's head went below a revision this feed has seen.
var errRewound = errors.New("sessionauthority: the server's revision went backwards")

type ending struct {
	reason string
	at     int64 // epoch seconds
}

type revocationFeed struct {
	client          *Client
	failClosedAfter time.Duration
	window          time.Duration
	base            time.Time // heard is measured from here, on the monotonic clock

	mu    sync.RWMutex
	ended map[string]ending

	heard     int64 // nanoseconds since base of the last message; 0: not caught up
	revision  int64
	snapshots int64
	errMu     sync.Mutex
	err       error
	done      chan struct{}
}

func newRevocationFeed(c *Client, failClosedAfter, window time.Duration) *revocationFeed {
	return &revocationFeed{client: c, failClosedAfter: failClosedAfter, window: window,
		base: time.Now(), ended: map[string]ending{}, done: make(chan struct{})}
}

func (f *revocationFeed) healthy() bool {
	heard := atomic.LoadInt64(&f.heard)
	return heard > 0 && time.Duration(int64(time.Since(f.base))-heard) < f.failClosedAfter
}

func (f *revocationFeed) markHeard() {
	atomic.StoreInt64(&f.heard, int64(time.Since(f.base))+1)
}

// endedReason is SESSION_REVOKED / _TERMINATED / _EXPIRED, or "".
func (f *revocationFeed) endedReason(sessionID string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.ended[sessionID].reason
}

func (f *revocationFeed) error() error {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return f.err
}

// run snapshots and follows, and again when the stream cannot go on, until ctx ends.
func (f *revocationFeed) run(ctx context.Context) {
	defer close(f.done)
	defer atomic.StoreInt64(&f.heard, 0)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		atomic.StoreInt64(&f.heard, 0) // fail closed until the new snapshot has caught up
		revision, err := f.snapshot(ctx)
		if err == nil {
			err = f.follow(ctx, revision)
		}
		if ctx.Err() != nil {
			return
		}
		var compacted *HistoryCompacted
		var ahead *RevisionAhead
		var e *Error
		switch {
		case errors.Is(err, errRewound), errors.As(err, &compacted), errors.As(err, &ahead):
			backoff = 100 * time.Millisecond // the server is there: snapshot again at once
		case errors.As(err, &e) && fatal[e.Code]:
			f.errMu.Lock()
			f.err = e
			f.errMu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 5*time.Second {
			backoff = 5 * time.Second
		}
	}
}

func (f *revocationFeed) snapshot(ctx context.Context) (int64, error) {
	ended := map[string]ending{}
	token, revision := "", int64(-1)
	for {
		pageCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		page, err := f.client.ListEndedSessions(pageCtx, snapshotPage, token)
		cancel()
		if err != nil {
			return 0, err
		}
		if revision >= 0 && page.GetRevision() != revision {
			return 0, errRewound // pages of one snapshot share one revision
		}
		revision = page.GetRevision()
		for _, s := range page.GetSessions() {
			reason, ok := endedReasons[s.GetState()]
			if !ok {
				reason = "SESSION_REVOKED"
			}
			ended[s.GetSessionId()] = ending{reason, s.GetEndTime().GetSeconds()}
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	f.mu.Lock()
	f.ended = ended
	f.mu.Unlock()
	atomic.StoreInt64(&f.revision, revision)
	atomic.AddInt64(&f.snapshots, 1)
	return revision, nil
}

func (f *revocationFeed) follow(ctx context.Context, snapshotRevision int64) error {
	// Answers count only once the stream has reached the head probed now:
	// a stream from history opens with start - 1, not the head.
	target := f.head(ctx)
	if 0 <= target && target < snapshotRevision {
		return errRewound
	}
	onProgress := func(revision int64) error {
		if revision < atomic.LoadInt64(&f.revision) {
			return errRewound
		}
		atomic.StoreInt64(&f.revision, revision)
		if target < 0 {
			target = f.head(ctx)
		}
		if 0 <= target && target <= revision {
			f.markHeard()
			f.forgetOld()
		}
		return nil
	}
	return f.client.Watch(ctx, WatchOptions{
		StartRevision: snapshotRevision + 1,
		EventTypes:    endingEvents,
		IdleTimeout:   f.failClosedAfter,
		// Every second away is a second of UNKNOWN answers, and a token
		// minted while the server restarted may expire before it is heard.
		MaxBackoff: 2 * time.Second,
		OnProgress: onProgress,
		OnReconnect: func(error, int64) error {
			target = f.head(ctx)
			if 0 <= target && target < atomic.LoadInt64(&f.revision) {
				return errRewound
			}
			return nil
		},
	}, func(e *pb.SessionEvent) error {
		f.apply(e)
		return onProgress(e.GetRevision())
	})
}

func (f *revocationFeed) head(ctx context.Context) int64 {
	revision, err := f.client.CurrentRevision(ctx)
	if err != nil {
		return -1
	}
	return revision
}

func (f *revocationFeed) apply(e *pb.SessionEvent) {
	reason, ok := endedReasons[e.GetSession().GetState()]
	if !ok {
		return
	}
	at := e.GetOccurTime().GetSeconds()
	if time.Now().Unix()-at <= int64(f.window/time.Second) {
		f.mu.Lock()
		f.ended[e.GetSession().GetSessionId()] = ending{reason, at}
		f.mu.Unlock()
	}
}

func (f *revocationFeed) forgetOld() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ended) < 100_000 {
		return
	}
	cutoff := time.Now().Unix() - int64(f.window/time.Second)
	for sid, e := range f.ended {
		if e.at < cutoff {
			delete(f.ended, sid)
		}
	}
}
