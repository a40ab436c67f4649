package sessionauthority

// Where a ManagedSession keeps its session across restarts. The file format
// is the Python SDK's (one JSON object, times in epoch seconds), so Go,
// Python and Node processes can take up each other's session. Refresh
// tokens are secrets: keep the file where only this service's user can read
// it, or implement TokenStore over a keychain or a secret manager.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"

	pb "sessionauthority/v1"
)

// StoredSession is what a ManagedSession stores, field names as the Python
// SDK writes them; times in seconds since the epoch.
type StoredSession struct {
	SubjectID     string `json:"subject_id"`
	Reference     string `json:"reference"`
	SessionID     string `json:"session_id"`
	SessionExpire int64  `json:"session_expire"`
	AccessToken   string `json:"access_token"`
	AccessExpire  int64  `json:"access_expire"`
	RefreshToken  string `json:"refresh_token"`
	RefreshExpire int64  `json:"refresh_expire"`
}

// ErrStoredSessionMalformed is what TokenStore.Load returns for a record
// that is not a StoredSession; ManagedSession.Restore then drops it.
var ErrStoredSessionMalformed = errors.New("sessionauthority: the stored session is malformed")

// TokenStore keeps one session. Load returns nil, nil when nothing is stored.
// A ManagedSession calls it from its own goroutine as well as the caller's.
type TokenStore interface {
	Load() (*StoredSession, error)
	Save(StoredSession) error
	Clear() error
}

func storedSession(subjectID, reference string, s *pb.Session, t *pb.TokenPair) StoredSession {
	return StoredSession{
		SubjectID: subjectID, Reference: reference,
		SessionID: s.GetSessionId(), SessionExpire: s.GetExpireTime().GetSeconds(),
		AccessToken: t.GetAccessToken(), AccessExpire: t.GetAccessTokenExpireTime().GetSeconds(),
		RefreshToken: t.GetRefreshToken(), RefreshExpire: t.GetRefreshTokenExpireTime().GetSeconds(),
	}
}

// ParseStoredSession reads a record as another SDK may have written it: a
// record without "reference" (from an older SDK) reads it as "", and times
// may be written as floats.
func ParseStoredSession(raw []byte) (*StoredSession, error) {
	var m map[string]interface{}
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, ErrStoredSessionMalformed
	}
	if _, ok := m["reference"]; !ok {
		m["reference"] = ""
	}
	text := func(k string) string {
		s, ok := m[k].(string)
		if !ok {
			m = nil
		}
		return s
	}
	epoch := func(k string) int64 {
		f, ok := m[k].(float64)
		if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
			m = nil
		}
		return int64(f)
	}
	r := StoredSession{SubjectID: text("subject_id"), Reference: text("reference"), SessionID: text("session_id"),
		AccessToken: text("access_token"), RefreshToken: text("refresh_token")}
	if m == nil {
		return nil, ErrStoredSessionMalformed
	}
	r.SessionExpire, r.AccessExpire, r.RefreshExpire = epoch("session_expire"), epoch("access_expire"), epoch("refresh_expire")
	if m == nil {
		return nil, ErrStoredSessionMalformed
	}
	return &r, nil
}

// MemoryTokenStore is for tests and short-lived processes.
type MemoryTokenStore struct {
	mu     sync.Mutex
	record *StoredSession
}

func (m *MemoryTokenStore) Load() (*StoredSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.record == nil {
		return nil, nil
	}
	r := *m.record
	return &r, nil
}

func (m *MemoryTokenStore) Save(r StoredSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.record = &r
	return nil
}

func (m *MemoryTokenStore) Clear() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.record = nil
	return nil
}

// FileTokenStore is a JSON file, mode 0600, replaced atomically.
type FileTokenStore struct{ Path string }

// Load treats a missing, unreadable or torn file as none stored.
func (f *FileTokenStore) Load() (*StoredSession, error) {
	raw, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, nil
	}
	var probe map[string]interface{}
	if json.Unmarshal(raw, &probe) != nil || probe == nil {
		return nil, nil
	}
	return ParseStoredSession(raw)
}

func (f *FileTokenStore) Save(r StoredSession) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// Written beside the target so that the rename stays on one filesystem
	// (and so is atomic): a reader sees the old record or the new, never half.
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(f.Path), ".session-"+filepath.Base(f.Path)+"-"+hex.EncodeToString(suffix)+".tmp")
	// O_EXCL: a fresh file, created 0600 before any secret is in it.
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = file.Write(raw)
	if err == nil {
		err = file.Sync()
	}
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp, f.Path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func (f *FileTokenStore) Clear() error {
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
