package sessionauthority

// ManagedSession: one login that looks after itself, as the Python and
// TypeScript SDKs' do (same states, reasons and stored record, so that all
// three can share a file). It renews the access token a lead time before
// it expires, lets a handler postpone a renewal, backs off with jitter
// while the server is away, tells observers of every change, and can keep
// itself in a TokenStore.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	pb "sessionauthority/v1"
)

var errManagedClosed = errors.New("sessionauthority: the ManagedSession is closed")

// ManagedSession is safe for concurrent use. Close it when done: that
// stops its goroutine, after a renewal under way has landed (its new
// refresh token stored), and leaves the session (and its stored copy) be.
type ManagedSession struct {
	client    *Client
	subjectID string
	o         ManagedOptions
	onError   func(error)

	// transition is held across a change of session and the stored copy and
	// the observers hearing of it, so that they all see changes in one order.
	transition sync.Mutex
	mu         sync.Mutex
	record     *StoredSession
	last       Change
	observers  []func(Change)
	failures   int
	// Bumped when the session is replaced or ended, so that the answer to a
	// renewal sent before then is not taken for the current session.
	generation int64
	due        time.Time // the next renewal; zero: none
	inflight   chan struct{}
	closed     bool

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManagedSession makes a session for subjectID, not yet logged in: call
// Login, or Restore to take up a stored one. client stays the caller's.
func NewManagedSession(client *Client, subjectID string, o ManagedOptions) *ManagedSession {
	if o.LeadTime <= 0 {
		o.LeadTime = time.Minute
	}
	if o.PostponeDelay <= 0 {
		o.PostponeDelay = 10 * time.Minute
	}
	if o.BackoffFirst <= 0 {
		o.BackoffFirst = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.Random == nil {
		o.Random = rand.Float64
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &ManagedSession{client: client, subjectID: subjectID, o: o,
		last: Change{State: NotLoggedIn, Previous: NotLoggedIn},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{}),
		onError: func(err error) { log.Printf("sessionauthority: ManagedSession: %v", err) }}
	go m.loop()
	return m
}

// OnError replaces what is done with errors no caller waits for (a store
// that cannot save during a scheduled renewal, a panicking observer); by
// default they are logged.
func (m *ManagedSession) OnError(f func(error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onError = f
}

// AddObserver: f hears every change, in order, on the goroutine that made
// it. f must not call Login, Logout or RenewNow itself (start a goroutine).
func (m *ManagedSession) AddObserver(f func(Change)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observers = append(m.observers, f)
}

// State reads ESTABLISHED as TOKEN_EXPIRED once the access token has
// expired (a renewal postponed or failing past it).
func (m *ManagedSession) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stateLocked()
}

func (m *ManagedSession) stateLocked() State {
	if m.last.State == Established && m.record != nil && expired(m.record.AccessExpire) {
		return TokenExpired
	}
	return m.last.State
}

func expired(epoch int64) bool { return epoch > 0 && !time.Now().Before(time.Unix(epoch, 0)) }

// Change is the last change observers were told of.
func (m *ManagedSession) Change() Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

func (m *ManagedSession) AccessToken() string {
	return m.field(func(r *StoredSession) string { return r.AccessToken })
}
func (m *ManagedSession) SessionID() string {
	return m.field(func(r *StoredSession) string { return r.SessionID })
}

// ExpiresAt is when the access token expires (zero: no session).
func (m *ManagedSession) ExpiresAt() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.record == nil {
		return time.Time{}
	}
	return time.Unix(m.record.AccessExpire, 0)
}

func (m *ManagedSession) field(get func(*StoredSession) string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.record == nil {
		return ""
	}
	return get(m.record)
}

// Login creates the session (options as Client.CreateSession; the
// reference is the session's). On failure: NOT_LOGGED_IN with the reason,
// and the error. A store that cannot save is an error too, though the
// session is established.
func (m *ManagedSession) Login(ctx context.Context, o *CreateOptions) error {
	opts := CreateOptions{}
	if o != nil {
		opts = *o
	}
	opts.Reference = m.o.Reference
	m.transition.Lock()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.transition.Unlock()
		return errManagedClosed
	}
	m.generation++
	generation := m.generation
	m.due = time.Time{}
	m.mu.Unlock()
	m.setLocked(Establishing, "", "")
	m.transition.Unlock()
	created, err := m.client.CreateSession(ctx, m.subjectID, &opts)
	if err != nil {
		reason, code := reasonOf(err)
		m.transition.Lock()
		defer m.transition.Unlock()
		if m.current(generation) {
			m.setLocked(NotLoggedIn, reason, code)
		}
		return err
	}
	return m.take(generation, created.GetSession(), created.GetTokens(), "")
}

func reasonOf(err error) (reason, errorCode string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason, e.Metadata["error_code"]
	}
	return "", ""
}

// Restore takes up the stored session if it is still good for this subject
// and reference; otherwise it drops it (observers hear why). True if taken.
func (m *ManagedSession) Restore() (bool, error) {
	if m.o.Store == nil {
		return false, nil
	}
	record, err := m.o.Store.Load()
	why := ""
	switch {
	case errors.Is(err, ErrStoredSessionMalformed):
		why = "MALFORMED"
	case err != nil:
		return false, err
	case record == nil:
		return false, nil
	case record.SubjectID != m.subjectID:
		why = "OTHER_SUBJECT"
	case record.Reference != m.o.Reference:
		why = "OTHER_REFERENCE"
	case expired(record.RefreshExpire) || expired(record.SessionExpire):
		why = "EXPIRED"
	}
	m.transition.Lock()
	defer m.transition.Unlock()
	if why != "" {
		err := m.o.Store.Clear()
		m.setLocked(NotLoggedIn, "STORED_SESSION_"+why, "")
		return false, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false, errManagedClosed
	}
	m.generation++
	m.record, m.failures = record, 0
	m.scheduleRenewalLocked()
	m.mu.Unlock()
	// Only a token that has run out reads as expired: one inside the lead
	// time still works, and its renewal is due soon.
	state := Established
	if expired(record.AccessExpire) {
		state = TokenExpired
	}
	m.setLocked(state, "RESTORED", "")
	return true, nil
}

// Logout revokes the session, then forgets it (stored copy included). If
// the revoke fails (other than not found) the session goes on, and the
// error is returned.
func (m *ManagedSession) Logout(ctx context.Context) error {
	// Let a renewal under way land first: if the revoke then fails, the
	// session goes on with the refresh token that is still good.
	m.mu.Lock()
	for m.inflight != nil {
		ch := m.inflight
		m.mu.Unlock()
		<-ch
		m.mu.Lock()
	}
	// From here no earlier renewal or handler can bring the session back.
	m.generation++
	record := m.record
	m.record, m.due = nil, time.Time{}
	m.mu.Unlock()
	if record != nil && record.SessionID != "" {
		_, err := m.client.Sessions.RevokeSession(ctx,
			&pb.RevokeSessionRequest{SessionId: record.SessionID, Reason: pb.EndReason_END_REASON_LOGOUT})
		var e *Error
		if err = fromError(err); err != nil && !(errors.As(err, &e) && e.Code == codes.NotFound) {
			m.mu.Lock()
			if m.record == nil {
				m.record = record
				m.scheduleRenewalLocked()
			}
			m.mu.Unlock()
			return err
		} // already gone: forgetting it is all that is left
	}
	m.transition.Lock()
	defer m.transition.Unlock()
	err := m.Unpersist()
	m.setLocked(NotLoggedIn, "LOGGED_OUT", "")
	return err
}

// Close stops renewing; a renewal under way lands first. The session stays,
// and stays stored, for a later Restore. Close is final.
func (m *ManagedSession) Close() error {
	m.mu.Lock()
	m.closed, m.due = true, time.Time{}
	m.mu.Unlock()
	m.cancel()
	<-m.done
	return nil
}

// IsPersisted: a session is in the store.
func (m *ManagedSession) IsPersisted() bool {
	if m.o.Store == nil {
		return false
	}
	r, err := m.o.Store.Load()
	return err == nil && r != nil
}

// Unpersist removes the stored copy; the session itself goes on.
func (m *ManagedSession) Unpersist() error {
	if m.o.Store == nil {
		return nil
	}
	return m.o.Store.Clear()
}

// RenewNow renews now, or waits for the renewal under way: there is only
// ever one, as a refresh token works once. A failure shows in State and
// Change, as with a scheduled renewal; the error is only a store's that
// could not save. The call is not cancellable: a renewal the server has
// answered must land, or its new refresh token would be lost.
func (m *ManagedSession) RenewNow() error { return m.renew() }

func (m *ManagedSession) current(generation int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return generation == m.generation
}

// take makes an answer from the server the session, if no newer one has
// replaced it since the call was sent.
func (m *ManagedSession) take(generation int64, s *pb.Session, t *pb.TokenPair, reason string) error {
	record := storedSession(m.subjectID, m.o.Reference, s, t)
	m.transition.Lock()
	defer m.transition.Unlock()
	m.mu.Lock()
	if generation != m.generation {
		m.mu.Unlock()
		return nil
	}
	m.record, m.failures = &record, 0
	m.scheduleRenewalLocked()
	m.mu.Unlock()
	// Stored before observers hear of it; a store that fails must not keep
	// them from hearing, since the session itself is fine.
	var err error
	if m.o.Store != nil {
		err = m.o.Store.Save(record)
	}
	m.setLocked(Established, reason, "")
	return err
}

// setLocked needs m.transition held.
func (m *ManagedSession) setLocked(state State, reason, errorCode string) {
	m.mu.Lock()
	change := Change{State: state, Previous: m.last.State, Reason: reason, ErrorCode: errorCode}
	m.last = change
	observers := append([]func(Change){}, m.observers...)
	m.mu.Unlock()
	m.kick()
	for _, f := range observers {
		m.tell(f, change)
	}
}

// One observer's bug must not stop the others, or the session.
func (m *ManagedSession) tell(f func(Change), c Change) {
	defer func() {
		if r := recover(); r != nil {
			m.report(fmt.Errorf("an observer panicked: %v", r))
		}
	}()
	f(c)
}

func (m *ManagedSession) report(err error) {
	m.mu.Lock()
	f := m.onError
	m.mu.Unlock()
	if f != nil {
		f(err)
	}
}

func (m *ManagedSession) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}
