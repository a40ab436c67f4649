package sessionauthority_test

import (
	"context"
	"errors"
	"io/ioutil"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	sa "sessionauthority"
	pb "sessionauthority/v1"
)

// changes records what an observer heard, for checks from the test's goroutine.
type changes struct {
	mu   sync.Mutex
	seen []sa.Change
}

func (c *changes) observe(m *sa.ManagedSession) { m.AddObserver(c.add) }

func (c *changes) add(ch sa.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, ch)
}

func (c *changes) list() []sa.Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]sa.Change{}, c.seen...)
}

// wait is the first change matching ok, within limit.
func (c *changes) wait(t *testing.T, limit time.Duration, ok func(sa.Change) bool) sa.Change {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, ch := range c.seen {
			if ok(ch) {
				c.mu.Unlock()
				return ch
			}
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no such change within %s; heard %+v", limit, c.seen)
	return sa.Change{}
}

func tempStore(t *testing.T) *sa.FileTokenStore {
	dir, err := ioutil.TempDir("", "sa-go-store-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return &sa.FileTokenStore{Path: filepath.Join(dir, "session.json")}
}

func TestManagedSessionRenewsRestoresAndEnds(t *testing.T) {
	s := startServerWith(t, "SESSION_AUTHORITY_ACCESS_TOKEN_TTL_SECONDS=4")
	c := newClient(t, s.Target)
	store := tempStore(t)
	heard := &changes{}
	m := sa.NewManagedSession(c, "managed-1", sa.ManagedOptions{Reference: "app", Store: store, LeadTime: 2 * time.Second})
	defer m.Close()
	heard.observe(m)
	if err := m.Login(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if m.State() != sa.Established || m.SessionID() == "" {
		t.Fatalf("after login: %s %q", m.State(), m.SessionID())
	}
	info, err := os.Stat(store.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the store file: %v %v", info, err)
	}
	first, _ := store.Load()
	heard.wait(t, 6*time.Second, func(ch sa.Change) bool { return ch.Reason == "RENEWED" })
	second, _ := store.Load()
	if second.RefreshToken == first.RefreshToken || second.AccessToken != m.AccessToken() {
		t.Fatal("the renewal did not rotate the stored tokens")
	}
	if got := heard.list()[:2]; got[0].State != sa.Establishing || got[1].State != sa.Established {
		t.Fatalf("states %+v", got)
	}

	// A new process: the same session from the file, and its renewals go on.
	again := sa.NewManagedSession(c, "managed-1", sa.ManagedOptions{Reference: "app", Store: store, LeadTime: 2 * time.Second})
	defer again.Close()
	m.Close()
	ok, err := again.Restore()
	if err != nil || !ok || again.SessionID() != m.SessionID() || again.Change().Reason != "RESTORED" {
		t.Fatalf("restore: %v %v %q %+v", ok, err, again.SessionID(), again.Change())
	}
	if err := again.RenewNow(); err != nil || again.State() != sa.Established {
		t.Fatalf("renew after restore: %v %s", err, again.State())
	}

	ended := &changes{}
	ended.observe(again)
	if _, err := c.TerminateSubject(context.Background(), "managed-1", pb.TerminationReason_TERMINATION_REASON_BANNED, "BAN_1"); err != nil {
		t.Fatal(err)
	}
	if err := again.RenewNow(); err != nil {
		t.Fatal(err)
	}
	got := ended.wait(t, 5*time.Second, func(ch sa.Change) bool { return ch.State == sa.Terminated })
	if got.Reason != "SESSION_TERMINATED" || got.ErrorCode != "BAN_1" || again.IsPersisted() {
		t.Fatalf("terminated: %+v, persisted %v", got, again.IsPersisted())
	}
}

func TestManagedSessionRestoreDropsOthersAndLogsOut(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s.Target)
	store := tempStore(t)
	m := sa.NewManagedSession(c, "managed-2", sa.ManagedOptions{Store: store})
	defer m.Close()
	if err := m.Login(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	other := sa.NewManagedSession(c, "someone-else", sa.ManagedOptions{Store: store})
	defer other.Close()
	if ok, err := other.Restore(); ok || err != nil || other.Change().Reason != "STORED_SESSION_OTHER_SUBJECT" {
		t.Fatalf("another subject's restore: %v %v %+v", ok, err, other.Change())
	}
	if m.IsPersisted() {
		t.Fatal("another subject's session was kept")
	}

	if err := ioutil.WriteFile(store.Path, []byte(`{"subject_id": 7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.Restore(); ok || other.Change().Reason != "STORED_SESSION_MALFORMED" {
		t.Fatalf("a malformed record: %+v", other.Change())
	}

	id := m.SessionID()
	if err := m.Logout(context.Background()); err != nil || m.State() != sa.NotLoggedIn || m.Change().Reason != "LOGGED_OUT" {
		t.Fatalf("logout: %v %+v", err, m.Change())
	}
	if got, err := c.GetSession(context.Background(), id); err != nil || got.GetState() != pb.SessionState_SESSION_STATE_REVOKED {
		t.Fatalf("after logout: %v %v", got, err)
	}
}

func TestManagedSessionLoginFailure(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s.Target)
	m := sa.NewManagedSession(c, "", sa.ManagedOptions{})
	defer m.Close()
	heard := &changes{}
	heard.observe(m)
	err := m.Login(context.Background(), nil)
	var e *sa.Error
	if !errors.As(err, &e) || m.State() != sa.NotLoggedIn || len(heard.list()) != 2 || heard.list()[0].State != sa.Establishing {
		t.Fatalf("login without a subject: %v %s %+v", err, m.State(), heard.list())
	}
}

func TestManagedSessionPostponesAndExpires(t *testing.T) {
	s := startServerWith(t, "SESSION_AUTHORITY_ACCESS_TOKEN_TTL_SECONDS=2")
	c := newClient(t, s.Target)
	asked := make(chan struct{}, 10)
	m := sa.NewManagedSession(c, "managed-3", sa.ManagedOptions{PostponeDelay: time.Hour,
		RenewalHandler: func(ctx context.Context, _ *sa.ManagedSession) bool { asked <- struct{}{}; return false }})
	defer m.Close()
	heard := &changes{}
	heard.observe(m)
	if err := m.Login(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-time.After(3 * time.Second):
		t.Fatal("the renewal handler was not asked")
	}
	heard.wait(t, 4*time.Second, func(ch sa.Change) bool {
		return ch.State == sa.TokenExpired && ch.Reason == "ACCESS_TOKEN_EXPIRED"
	})
	if m.State() != sa.TokenExpired {
		t.Fatalf("state %s", m.State())
	}
}
