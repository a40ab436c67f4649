package sessionauthority

// LocalVerifier checks access tokens without a call per token. Signatures
// are checked with the server's public keys (GetJwks, fetched again on an
// unknown kid, at most once a second), and a token must be this tenant's:
// its iss, its tenant's aud and its tnt claim, all learnt from GetJwks.
// Ended sessions come from a snapshot then a watch of ending events only
// (revocations.go), so a revoked, terminated or expired session's tokens
// are refused locally within milliseconds of the change.
//
// It fails closed: until the snapshot and the stream have caught up,
// whenever the stream has heard nothing for FailClosedAfter, and while it
// takes a new snapshot. Then every answer is reason UNKNOWN: ask the server
// (ValidateSession) instead.

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Verification is LocalVerifier.Verify's answer. Reason is "" when valid;
// else UNKNOWN (ask the server), TOKEN_EXPIRED, MALFORMED, BAD_SIGNATURE,
// SESSION_NOT_FOUND (another tenant's token), SESSION_REVOKED,
// SESSION_TERMINATED or SESSION_EXPIRED.
type Verification struct {
	Valid     bool
	Reason    string
	SessionID string
	SubjectID string
	ExpiresAt int64 // the token's exp, epoch seconds
}

// VerifierOptions for NewLocalVerifier; zero fields take the defaults.
type VerifierOptions struct {
	APIKey string
	TLS    *TLS
	// Audience and Issuer are used only with a server too old to say
	// (GetJwks); Audience is also the shared audience of tokens minted
	// before audiences were per tenant, accepted only with this tenant's tnt.
	Audience, Issuer string
	// Tenant, if given, must be the API key's tenant.
	Tenant string
	// FailClosedAfter: silence longer than this makes every answer UNKNOWN (default 15 s).
	FailClosedAfter time.Duration
	// RevocationWindow: how long an ended session is remembered; keep it
	// above the server's ACCESS_TOKEN_TTL_SECONDS (default 1 h).
	RevocationWindow time.Duration
	// CacheSize: how many verified tokens' claims are kept (default 10,000).
	CacheSize int
}

// LocalVerifier is safe for concurrent use. Start it, then Verify; Close it when done.
type LocalVerifier struct {
	client         *Client
	legacyAudience string
	feed           *revocationFeed
	cancel         context.CancelFunc

	keysMu      sync.RWMutex
	keys        map[string][]byte // kid -> raw Ed25519 public key
	audience    string
	issuer      string
	tenant      string
	keysFetched time.Time
	refetchMu   sync.Mutex
	headersMu   sync.RWMutex
	headers     map[string]string // token header segment -> kid, EdDSA ones only

	cacheMu   sync.Mutex
	verified  map[string]*list.Element
	order     *list.List // of cached, oldest first
	cacheSize int
}

type cached struct {
	token string
	c     claims
}

func NewLocalVerifier(target string, o VerifierOptions) (*LocalVerifier, error) {
	c, err := New(target, Options{APIKey: o.APIKey, TLS: o.TLS})
	if err != nil {
		return nil, err
	}
	v := &LocalVerifier{client: c, legacyAudience: or(o.Audience, "session-authority"),
		audience: or(o.Audience, "session-authority"), issuer: or(o.Issuer, "session-authority"),
		tenant: o.Tenant, keys: map[string][]byte{}, verified: map[string]*list.Element{},
		order: list.New(), cacheSize: o.CacheSize}
	if v.cacheSize <= 0 {
		v.cacheSize = 10_000
	}
	failClosed, window := o.FailClosedAfter, o.RevocationWindow
	if failClosed <= 0 {
		failClosed = 15 * time.Second
	}
	if window <= 0 {
		window = time.Hour
	}
	v.feed = newRevocationFeed(c, failClosed, window)
	return v, nil
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Start fetches the keys (its errors are the key's or the server's) and
// starts following ended sessions in the background.
func (v *LocalVerifier) Start(ctx context.Context) error {
	if err := v.fetchKeys(ctx); err != nil {
		return err
	}
	feedCtx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	go v.feed.run(feedCtx)
	return nil
}

// Close stops the background stream and closes the channel.
func (v *LocalVerifier) Close() error {
	if v.cancel != nil {
		v.cancel()
		select {
		case <-v.feed.done:
		case <-time.After(10 * time.Second):
		}
	}
	return v.client.Close()
}

// WaitReady waits until the stream has caught up (answers are no longer UNKNOWN).
func (v *LocalVerifier) WaitReady(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if v.Healthy() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return v.Healthy()
}

func (v *LocalVerifier) Healthy() bool { return v.feed.healthy() }

// Revision is the revision the verifier's view of ended sessions is at.
func (v *LocalVerifier) Revision() int64 { return atomicLoad(&v.feed.revision) }

// Snapshots taken: 1 after a start, more after each re-snapshot.
func (v *LocalVerifier) Snapshots() int64 { return atomicLoad(&v.feed.snapshots) }

func (v *LocalVerifier) Tenant() string {
	v.keysMu.RLock()
	defer v.keysMu.RUnlock()
	return v.tenant
}

// Err is why the revocation stream stopped for good, if it did.
func (v *LocalVerifier) Err() error { return v.feed.error() }

// Verify answers from memory; it never calls the server, except to fetch
// the keys again on a kid it has not seen (at most once a second).
func (v *LocalVerifier) Verify(accessToken string) Verification {
	if !v.Healthy() {
		return Verification{Reason: "UNKNOWN"}
	}
	c, ok := v.cachedClaims(accessToken)
	if !ok {
		var reason string
		if c, reason = v.decode(accessToken); reason != "" {
			return Verification{Reason: reason}
		}
		v.remember(accessToken, c)
	}
	if c.exp <= time.Now().Unix() {
		return Verification{false, "TOKEN_EXPIRED", c.sid, c.sub, c.exp}
	}
	if ended := v.feed.endedReason(c.sid); ended != "" {
		return Verification{false, ended, c.sid, c.sub, c.exp}
	}
	return Verification{true, "", c.sid, c.sub, c.exp}
}

func (v *LocalVerifier) cachedClaims(token string) (claims, bool) {
	v.cacheMu.Lock()
	defer v.cacheMu.Unlock()
	if e, ok := v.verified[token]; ok {
		return e.Value.(*cached).c, true
	}
	return claims{}, false
}

// remember evicts the oldest entry first, as the Python SDK does.
func (v *LocalVerifier) remember(token string, c claims) {
	v.cacheMu.Lock()
	defer v.cacheMu.Unlock()
	if _, ok := v.verified[token]; ok {
		return
	}
	v.verified[token] = v.order.PushBack(&cached{token, c})
	if v.order.Len() > v.cacheSize {
		oldest := v.order.Front()
		v.order.Remove(oldest)
		delete(v.verified, oldest.Value.(*cached).token)
	}
}

func (v *LocalVerifier) fetchKeys(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, v.client.timeout)
	defer cancel()
	jwks, err := v.client.GetJwks(ctx)
	if err != nil {
		return err
	}
	keys, err := ed25519Keys(jwks.GetJwksJson())
	if err != nil {
		return err
	}
	v.keysMu.Lock()
	defer v.keysMu.Unlock()
	if jwks.GetTenant() != "" {
		if v.tenant != "" && v.tenant != jwks.GetTenant() {
			return fmt.Errorf("sessionauthority: this API key belongs to tenant %q, not %q", jwks.GetTenant(), v.tenant)
		}
		v.tenant, v.audience, v.issuer = jwks.GetTenant(), jwks.GetAudience(), jwks.GetIssuer()
	}
	v.keys = keys
	v.keysFetched = time.Now()
	return nil
}

func (v *LocalVerifier) key(kid string) []byte {
	v.keysMu.RLock()
	defer v.keysMu.RUnlock()
	return v.keys[kid]
}

func (v *LocalVerifier) refetchFor(kid string) []byte {
	v.refetchMu.Lock()
	defer v.refetchMu.Unlock()
	v.keysMu.RLock()
	_, known := v.keys[kid]
	fetched := v.keysFetched
	v.keysMu.RUnlock()
	if !known && time.Since(fetched) >= time.Second {
		if err := v.fetchKeys(context.Background()); err != nil {
			v.keysMu.Lock()
			v.keysFetched = time.Now()
			v.keysMu.Unlock()
		}
	}
	return v.key(kid)
}

var errNoKeys = errors.New("sessionauthority: the JWKS is not JSON")
