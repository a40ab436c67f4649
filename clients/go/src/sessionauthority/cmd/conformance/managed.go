// The ManagedSession case (conformance/CASES.md): a device's session through
// its states, kept in a file, taken up again by a new ManagedSession (as after
// a restart of the client process), ended by a ban.
package main

import (
	"io/ioutil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sa "sessionauthority"
	pb "sessionauthority/v1"
)

var managedCases = map[string]caseFunc{"managed_session": try(managedSession)}

// journal collects what observers were told, for a check from another goroutine.
type journal struct {
	mu   sync.Mutex
	seen []string
}

func (h *journal) add(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, s)
}

func (h *journal) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string{}, h.seen...)
}

func (h *journal) any(f func(string) bool) bool {
	for _, s := range h.list() {
		if f(s) {
			return true
		}
	}
	return false
}

func managedSession(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	subject := a.Prefix + "-managed"
	dir, err := ioutil.TempDir("", "conformance-")
	must(err, "temp dir")
	defer os.RemoveAll(dir)
	store := &sa.FileTokenStore{Path: filepath.Join(dir, "session.json")}
	states := &journal{}
	device := sa.NewManagedSession(c, subject, sa.ManagedOptions{Store: store, LeadTime: 3 * time.Second})
	defer device.Close()
	device.AddObserver(func(ch sa.Change) { states.add(string(ch.State) + ":" + ch.Reason) })
	must(device.Login(ctx(), nil), "login")
	firstToken := device.AccessToken()
	// Tokens live 6 s; the renewal comes 3 s before expiry.
	until(func() bool { return states.any(func(s string) bool { return strings.HasSuffix(s, ":RENEWED") }) }, 10*time.Second)
	check(device.AccessToken() != firstToken, "the access token did not change")

	again := sa.NewManagedSession(c, subject, sa.ManagedOptions{Store: store})
	defer again.Close()
	restored, err := again.Restore()
	must(err, "restore")
	check(restored, "the stored session was not taken up")
	check(again.SessionID() == device.SessionID(), "another session", []string{again.SessionID(), device.SessionID()})
	ended := &journal{}
	again.AddObserver(func(ch sa.Change) { ended.add(string(ch.State) + ":" + ch.Reason + ":" + ch.ErrorCode) })
	_, err = c.TerminateSubject(ctx(), subject, pb.TerminationReason_TERMINATION_REASON_BANNED, "CONF_BAN")
	must(err, "terminate")
	func() {
		defer func() { _, _ = c.ReinstateSubject(ctx(), subject) }()
		must(again.RenewNow(), "renew")
		until(func() bool { return ended.any(func(s string) bool { return strings.HasPrefix(s, "TERMINATED") }) }, 10*time.Second)
	}()
	must(again.Unpersist(), "unpersist")
	stored, err := store.Load()
	check(err == nil && stored == nil && !again.IsPersisted(), "still stored after unpersist")
	seen, endings := states.list(), ended.list()
	check(len(seen) >= 2 && seen[0] == "ESTABLISHING:" && seen[1] == "ESTABLISHED:", "states", seen)
	found := false
	for _, e := range endings {
		found = found || e == "TERMINATED:SESSION_TERMINATED:CONF_BAN"
	}
	check(found, "ended", endings)
	if len(seen) > 3 {
		seen = seen[:3]
	}
	return observed{"states": seen, "terminated": endings[len(endings)-1]}, nil
}
