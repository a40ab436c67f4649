package sessionauthority_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sa "sessionauthority"
	pb "sessionauthority/v1"
)

func newClient(t *testing.T, target string) *sa.Client {
	c, err := sa.New(target, sa.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestLifecycleAndTypedErrors(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s.Target)
	ctx := context.Background()
	r, err := c.CreateSession(ctx, "user-1", &sa.CreateOptions{Reference: "web", Metadata: map[string]interface{}{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.ValidateSession(ctx, r.GetTokens().GetAccessToken(), "user-1", "web")
	if err != nil || !v.GetValid() {
		t.Fatalf("validate: %v %v", v, err)
	}
	if _, err := c.RevokeSession(ctx, r.GetSession().GetSessionId()); err != nil {
		t.Fatal(err)
	}
	_, err = c.RenewSession(ctx, r.GetTokens().GetRefreshToken())
	var e *sa.Error
	if !errors.As(err, &e) || e.Reason != "SESSION_REVOKED" || e.Code != codes.Unauthenticated {
		t.Fatalf("renew after revoke: %v", err)
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("status.Code: %v", status.Code(err))
	}
	_, err = c.CreateSession(ctx, "has space", nil)
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument || len(e.FieldViolations) == 0 || e.FieldViolations[0].Field != "subject_id" {
		t.Fatalf("bad subject: %#v", err)
	}
}

func TestWatchResumesAcrossRestartWithTypes(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s.Target)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []*pb.SessionEvent
	progressed := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(ctx, sa.WatchOptions{
			EventTypes: []pb.SessionEventType{pb.SessionEventType_SESSION_EVENT_TYPE_REVOKED},
			OnProgress: func(int64) error {
				select {
				case progressed <- struct{}{}:
				default:
				}
				return nil
			},
		}, func(e *pb.SessionEvent) error {
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
			return nil
		})
	}()
	<-progressed
	revoke := func() string {
		r, err := c.CreateSession(context.Background(), "user-w", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RevokeSession(context.Background(), r.GetSession().GetSessionId()); err != nil {
			t.Fatal(err)
		}
		return r.GetSession().GetSessionId()
	}
	first := revoke()
	s.restart()
	second := revoke()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("watch ended with %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].GetSession().GetSessionId() != first || got[1].GetSession().GetSessionId() != second {
		t.Fatalf("events: %v", got)
	}
	for _, e := range got {
		if e.GetType() != pb.SessionEventType_SESSION_EVENT_TYPE_REVOKED {
			t.Fatalf("a %v event through a REVOKED filter", e.GetType())
		}
	}
}

func TestLocalVerifier(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s.Target)
	v, err := sa.NewLocalVerifier(s.Target, sa.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	r, err := c.CreateSession(context.Background(), "user-v", nil)
	if err != nil {
		t.Fatal(err)
	}
	token := r.GetTokens().GetAccessToken()
	if got := v.Verify(token); got.Reason != "UNKNOWN" {
		t.Fatalf("before start: %+v", got)
	}
	if err := v.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !v.WaitReady(10 * time.Second) {
		t.Fatalf("not ready: %v", v.Err())
	}
	if got := v.Verify(token); !got.Valid || got.SubjectID != "user-v" || got.SessionID != r.GetSession().GetSessionId() {
		t.Fatalf("fresh token: %+v", got)
	}
	parts := strings.Split(token, ".")
	for name, forged := range map[string]string{
		"MALFORMED":     "not-a-token",
		"BAD_SIGNATURE": parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4] + "AAAA",
	} {
		if got := v.Verify(forged).Reason; got != name {
			t.Fatalf("%s: got %q", name, got)
		}
	}
	// Verify is called from many goroutines at once while the feed writes.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				v.Verify(token)
			}
		}()
	}
	if _, err := c.RevokeSession(context.Background(), r.GetSession().GetSessionId()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	deadline := time.Now().Add(time.Second)
	for v.Verify(token).Reason != "SESSION_REVOKED" {
		if time.Now().After(deadline) {
			t.Fatalf("not refused within 1 s: %+v", v.Verify(token))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
