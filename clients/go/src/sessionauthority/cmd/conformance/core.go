// The conformance cases that need no LocalVerifier (conformance/CASES.md),
// through the Go client's public API, as a user would call it.
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"context"

	sa "sessionauthority"
	pb "sessionauthority/v1"
)

var coreCases = map[string]caseFunc{
	"lifecycle":          try(lifecycle),
	"rich_errors":        try(richErrors),
	"refresh_reuse":      try(refreshReuse),
	"subject_terminated": try(subjectTerminated),
	"api_key":            try(apiKey),
	"tls":                try(tlsCase),
	"mtls":               try(mtlsCase),
	"watch_resume":       try(watchResume),
	"watch_compacted":    try(watchCompacted),
}

func lifecycle(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	subject := a.Prefix + "-life"
	r, err := c.CreateSession(ctx(), subject, &sa.CreateOptions{Reference: "ref"})
	must(err, "create")
	v, err := c.ValidateSession(ctx(), r.GetTokens().GetAccessToken(), subject, "ref")
	must(err, "validate")
	check(v.GetValid() && v.GetSession().GetSubjectId() == subject && v.GetSession().GetReference() == "ref", "validate", v.String())
	renewed, err := c.RenewSession(ctx(), r.GetTokens().GetRefreshToken())
	must(err, "renew")
	check(renewed.GetTokens().GetRefreshToken() != r.GetTokens().GetRefreshToken(), "the refresh token did not rotate")
	_, err = c.RevokeSession(ctx(), r.GetSession().GetSessionId())
	must(err, "revoke")
	_, err = c.RenewSession(ctx(), renewed.GetTokens().GetRefreshToken())
	e := expectError(err)
	check(e.Reason == "SESSION_REVOKED", "renew after revoke", e.Reason)
	return observed{"rotated": true, "after_revoke": e.Reason}, nil
}

func richErrors(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	_, err := c.CreateSession(ctx(), "has space", nil)
	bad := expectError(err)
	fields := []string{}
	hasSubject := false
	for _, f := range bad.FieldViolations {
		fields = append(fields, f.Field)
		hasSubject = hasSubject || f.Field == "subject_id"
	}
	check(bad.Code.String() == "InvalidArgument" && hasSubject, "violations", fields)
	subject := a.Prefix + "-rate"
	var limited error
	for i := 0; i < 6 && limited == nil; i++ {
		_, limited = c.CreateSession(ctx(), subject, nil)
	}
	check(limited != nil, "six creates were not rate limited")
	rl := expectError(limited)
	check(rl.Reason == "RATE_LIMITED" && rl.RetryAfter > 0, "rate limit", rl.Error())
	_, err = c.GetSession(ctx(), "ses_doesnotexist0000")
	missing := expectError(err)
	check(missing.Reason == "SESSION_NOT_FOUND", "unknown session", missing.Reason)
	return observed{"violations": fields, "retry_after": rl.RetryAfter.Seconds(), "not_found": missing.Reason}, nil
}

func refreshReuse(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	r, err := c.CreateSession(ctx(), a.Prefix+"-reuse", nil)
	must(err, "create")
	_, err = c.RenewSession(ctx(), r.GetTokens().GetRefreshToken())
	must(err, "renew")
	time.Sleep(1500 * time.Millisecond) // past the 1 s grace: time must pass
	_, err = c.RenewSession(ctx(), r.GetTokens().GetRefreshToken())
	e := expectError(err)
	check(e.Reason == "REFRESH_TOKEN_REUSED", "reuse", e.Reason)
	check(e.Metadata["session_id"] == r.GetSession().GetSessionId(), "session_id", e.Metadata)
	s, err := c.GetSession(ctx(), r.GetSession().GetSessionId())
	must(err, "get")
	check(s.GetState() == pb.SessionState_SESSION_STATE_REVOKED && s.GetEndReason() == pb.EndReason_END_REASON_REFRESH_TOKEN_REUSE, "ended", s.String())
	return observed{"reason": e.Reason, "session_id": e.Metadata["session_id"]}, nil
}

func subjectTerminated(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	subject := a.Prefix + "-ban"
	r, err := c.CreateSession(ctx(), subject, nil)
	must(err, "create")
	_, err = c.TerminateSubject(ctx(), subject, pb.TerminationReason_TERMINATION_REASON_BANNED, "CONF_BAN")
	must(err, "terminate")
	defer func() { _, _ = c.ReinstateSubject(ctx(), subject) }()
	s, err := c.GetSession(ctx(), r.GetSession().GetSessionId())
	must(err, "get")
	check(s.GetState() == pb.SessionState_SESSION_STATE_TERMINATED && s.GetErrorCode() == "CONF_BAN", "terminated", s.String())
	_, err = c.CreateSession(ctx(), subject, nil)
	e := expectError(err)
	check(e.Reason == "SUBJECT_TERMINATED" && e.Metadata["error_code"] == "CONF_BAN", "create", e.Error())
	return observed{"reason": e.Reason, "error_code": e.Metadata["error_code"]}, nil
}

func apiKey(a *args) (observed, error) {
	jwks := func(key *string) error {
		c := client(a, clientOpts{key: key})
		defer c.Close()
		_, err := c.GetJwks(ctx())
		return err
	}
	none := ""
	missing := expectError(jwks(&none))
	must(jwks(nil), "with the key")
	revoked := expectError(jwks(&a.RevokedAPIKey))
	check(missing.Reason == "API_KEY_MISSING" && revoked.Reason == "API_KEY_INVALID", "keys", []string{missing.Reason, revoked.Reason})
	return observed{"missing": missing.Reason, "revoked": revoked.Reason}, nil
}

func tlsCase(a *args) (observed, error) {
	c := client(a, clientOpts{target: a.TLSTarget, tls: tlsFiles(a, false)})
	defer c.Close()
	_, err := c.GetJwks(ctx())
	must(err, "over TLS")
	return observed{"connected": true}, nil
}

func mtlsCase(a *args) (observed, error) {
	mine := client(a, clientOpts{target: a.MTLSTarget, tls: tlsFiles(a, true)})
	defer mine.Close()
	_, err := mine.GetJwks(ctx())
	must(err, "with a certificate")
	bare := client(a, clientOpts{target: a.MTLSTarget, tls: tlsFiles(a, false), timeout: 5 * time.Second})
	defer bare.Close()
	_, err = bare.GetJwks(ctx())
	refused := expectError(err)
	return observed{"with_certificate": true, "without": refused.Code.String()}, nil
}

// heard collects one watch's events in the background; take(n) waits for n more.
type heard struct {
	mu         sync.Mutex
	events     []*pb.SessionEvent
	failure    error
	progressed bool
}

func (h *heard) take(n int, limit time.Duration) []*pb.SessionEvent {
	deadline := time.Now().Add(limit)
	for {
		h.mu.Lock()
		if len(h.events) >= n {
			got := append([]*pb.SessionEvent(nil), h.events[:n]...)
			h.events = h.events[n:]
			h.mu.Unlock()
			return got
		}
		count, failure := len(h.events), h.failure
		h.mu.Unlock()
		check(failure == nil, "the watch failed", fmt.Sprint(failure))
		check(time.Now().Before(deadline), fmt.Sprintf("only %d of %d events within %d ms", count, n, limit.Milliseconds()))
		time.Sleep(20 * time.Millisecond)
	}
}

func watchResume(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	subject := a.Prefix + "-watch"
	h := &heard{}
	wctx, stop := context.WithCancel(ctx())
	defer stop()
	go func() {
		err := c.Watch(wctx, sa.WatchOptions{SubjectID: subject, OnProgress: func(int64) error {
			h.mu.Lock()
			h.progressed = true
			h.mu.Unlock()
			return nil
		}}, func(e *pb.SessionEvent) error {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
			return nil
		})
		h.mu.Lock()
		if wctx.Err() == nil {
			h.failure = err
		}
		h.mu.Unlock()
	}()
	until(func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.progressed }, 10*time.Second)
	first, err := c.CreateSession(ctx(), subject, nil)
	must(err, "create")
	_, err = c.RevokeSession(ctx(), first.GetSession().GetSessionId())
	must(err, "revoke")
	got := h.take(2, 10*time.Second)
	check(got[1].GetSession().GetSessionId() == first.GetSession().GetSessionId(), "the revoke", got[1].String())
	done := control(a, "/restart?writes=3&subject="+subject, "POST")
	sessions, _ := done["sessions"].([]interface{})
	later := h.take(6, 20*time.Second)
	revisions, expected, made, ids := []int64{}, []int64{}, []string{}, []string{}
	for i, e := range later {
		revisions = append(revisions, e.GetRevision())
		if i%2 == 1 {
			made = append(made, e.GetSession().GetSessionId())
		}
	}
	for _, s := range sessions {
		m := s.(map[string]interface{})
		ids = append(ids, fmt.Sprint(m["session_id"]))
		for _, r := range m["revisions"].([]interface{}) {
			expected = append(expected, number(r))
		}
	}
	check(fmt.Sprint(revisions) == fmt.Sprint(expected), "revisions", [][]int64{revisions, expected})
	check(fmt.Sprint(made) == fmt.Sprint(ids), "sessions", made)
	return observed{"revisions": revisions}, nil
}

func watchCompacted(a *args) (observed, error) {
	compact := number(control(a, "/compact", "POST")["compact_revision"])
	c := client(a, clientOpts{})
	defer c.Close()
	err := c.Watch(ctx(), sa.WatchOptions{StartRevision: 1}, func(*pb.SessionEvent) error {
		return errors.New("an event from compacted history")
	})
	var hc *sa.HistoryCompacted
	check(errors.As(err, &hc), "not HistoryCompacted", fmt.Sprint(err))
	check(hc.CompactRevision == compact, "compact_revision", []int64{hc.CompactRevision, compact})
	return observed{"compact_revision": compact}, nil
}
