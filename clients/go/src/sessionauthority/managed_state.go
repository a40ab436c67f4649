package sessionauthority

import (
	"context"
	"time"
)

// State of a ManagedSession. TokenExpired: a renewal is overdue, so the
// access token no longer works (the session may). Terminated: the session
// is over; the Change's Reason and ErrorCode say why.
type State string

const (
	NotLoggedIn  State = "NOT_LOGGED_IN"
	Establishing State = "ESTABLISHING"
	Established  State = "ESTABLISHED"
	TokenExpired State = "TOKEN_EXPIRED"
	Terminated   State = "TERMINATED"
)

// Change is what observers hear: the new state, the one before, and why.
type Change struct {
	State, Previous State
	// Reason, when it is not obvious: RENEWED, RESTORED, POSTPONED,
	// LOGGED_OUT, ACCESS_TOKEN_EXPIRED, RENEWAL_FAILED, the server's reason
	// (SESSION_REVOKED, REFRESH_TOKEN_REUSED, ...), or STORED_SESSION_* for
	// a stored session that was dropped.
	Reason string
	// ErrorCode is the code given to TerminateSubject, when the server sent one.
	ErrorCode string
}

// ManagedOptions for NewManagedSession; zero fields take the defaults.
type ManagedOptions struct {
	// Reference is the session's; Restore takes up only a stored session with the same one.
	Reference string
	// LeadTime: renew this long before the access token expires (at most
	// half its remaining life); default 60 s.
	LeadTime time.Duration
	// RenewalHandler, if set, is asked before each renewal; false postpones
	// it by PostponeDelay (default 10 min). One that panics counts as true,
	// so that its bug cannot let the session lapse. Its context ends on Close.
	RenewalHandler func(context.Context, *ManagedSession) bool
	PostponeDelay  time.Duration
	// Store keeps the session across restarts; nil keeps it in memory only
	// (then Restore finds nothing).
	Store TokenStore
	// BackoffFirst and BackoffMax bound the wait between failed renewals,
	// each jittered 0.5x to 1.5x; default 1 s and 5 min.
	BackoffFirst, BackoffMax time.Duration
	// Random is uniform in [0, 1), for the jitter; default math/rand.
	Random func() float64
}

// Answers after which the same refresh token will never work again.
var finalReasons = map[string]bool{
	"SESSION_REVOKED": true, "SESSION_EXPIRED": true, "SESSION_TERMINATED": true,
	"REFRESH_TOKEN_INVALID": true, "REFRESH_TOKEN_EXPIRED": true, "REFRESH_TOKEN_REUSED": true,
	"REFRESH_TOKEN_SUPERSEDED": true,
}
