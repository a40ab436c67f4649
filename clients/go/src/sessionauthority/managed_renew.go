package sessionauthority

// The ManagedSession's goroutine and its renewals (managed.go has the rest).

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// loop waits for the next renewal or the access token's expiry, whichever
// is first, until Close; every change kicks it to look again.
func (m *ManagedSession) loop() {
	defer close(m.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		m.mu.Lock()
		at := m.due
		var expiry time.Time
		if m.last.State == Established && m.record != nil && m.record.AccessExpire > 0 {
			expiry = time.Unix(m.record.AccessExpire, 0)
			if at.IsZero() || expiry.Before(at) {
				at = expiry
			}
		}
		m.mu.Unlock()
		var fired <-chan time.Time
		if !at.IsZero() {
			timer.Reset(time.Until(at))
			fired = timer.C
		}
		select {
		case <-m.ctx.Done():
			timer.Stop()
			return
		case <-m.wake:
			if !timer.Stop() && fired != nil {
				select {
				case <-timer.C:
				default:
				}
			}
			continue
		case <-fired:
		}
		if !expiry.IsZero() && !time.Now().Before(expiry) {
			// Observers hear TOKEN_EXPIRED the moment the access token runs out.
			m.markIfExpired("ACCESS_TOKEN_EXPIRED")
		}
		m.mu.Lock()
		due := !m.due.IsZero() && !time.Now().Before(m.due)
		if due {
			m.due = time.Time{}
		}
		m.mu.Unlock()
		if due {
			m.renewDue()
		}
	}
}

// scheduleRenewalLocked needs m.mu held. A token that lives no longer than
// the lead time is renewed at half its life, not at once: at once, each new
// token would be renewed in turn, a busy loop against the server.
func (m *ManagedSession) scheduleRenewalLocked() {
	left := time.Until(time.Unix(m.record.AccessExpire, 0))
	lead := m.o.LeadTime
	if left/2 < lead {
		lead = left / 2
	}
	m.scheduleLocked(left - lead)
}

func (m *ManagedSession) scheduleLocked(delay time.Duration) {
	if m.closed {
		return
	}
	if delay < 0 {
		delay = 0
	}
	m.due = time.Now().Add(delay)
	m.kick()
}

func (m *ManagedSession) renewDue() {
	m.mu.Lock()
	state, generation := m.last.State, m.generation
	m.mu.Unlock()
	if state != Established && state != TokenExpired {
		return
	}
	if handler := m.o.RenewalHandler; handler != nil {
		goAhead := m.ask(handler)
		m.mu.Lock()
		stale := generation != m.generation || m.closed
		m.mu.Unlock()
		if stale {
			return
		}
		if !goAhead {
			m.markIfExpired("POSTPONED")
			m.mu.Lock()
			m.scheduleLocked(m.o.PostponeDelay)
			m.mu.Unlock()
			return
		}
	}
	if err := m.renew(); err != nil {
		m.report(err)
	}
}

func (m *ManagedSession) ask(handler func(context.Context, *ManagedSession) bool) (goAhead bool) {
	defer func() {
		if r := recover(); r != nil {
			m.report(fmt.Errorf("the renewal handler panicked: %v", r))
			goAhead = true
		}
	}()
	return handler(m.ctx, m)
}

func (m *ManagedSession) renew() error {
	m.mu.Lock()
	if ch := m.inflight; ch != nil {
		m.mu.Unlock()
		<-ch
		return nil
	}
	record, generation := m.record, m.generation
	if record == nil {
		m.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	m.inflight = ch
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.inflight = nil
		m.mu.Unlock()
		close(ch)
	}()
	// Not the session's context: a renewal sent must be heard out, as the
	// server spends the old refresh token the moment it answers.
	renewed, err := m.client.RenewSession(context.Background(), record.RefreshToken)
	if err == nil {
		return m.take(generation, renewed.GetSession(), renewed.GetTokens(), "RENEWED")
	}
	var e *Error
	if errors.As(err, &e) && finalReasons[e.Reason] {
		m.end(generation, e)
		return nil
	}
	// Away for now (unavailable, a deadline): try again, later each time.
	m.mu.Lock()
	if generation != m.generation {
		m.mu.Unlock()
		return nil
	}
	m.failures++
	wait := m.o.BackoffMax
	if m.failures < 32 {
		if w := m.o.BackoffFirst << (m.failures - 1); w > 0 && w < wait {
			wait = w
		}
	}
	m.scheduleLocked(time.Duration(float64(wait) * (0.5 + m.o.Random())))
	m.mu.Unlock()
	m.markIfExpired("RENEWAL_FAILED")
	return nil
}

func (m *ManagedSession) markIfExpired(reason string) {
	m.transition.Lock()
	defer m.transition.Unlock()
	m.mu.Lock()
	now := m.last.State == Established && m.stateLocked() == TokenExpired
	m.mu.Unlock()
	if now {
		m.setLocked(TokenExpired, reason, "")
	}
}

// end: the server will never renew this session again.
func (m *ManagedSession) end(generation int64, e *Error) {
	m.transition.Lock()
	defer m.transition.Unlock()
	m.mu.Lock()
	if generation != m.generation {
		m.mu.Unlock()
		return
	}
	m.generation++
	m.due = time.Time{}
	m.mu.Unlock()
	if err := m.Unpersist(); err != nil {
		m.report(err)
	}
	m.setLocked(Terminated, e.Reason, e.Metadata["error_code"])
}
