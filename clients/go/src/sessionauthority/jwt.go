package sessionauthority

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync/atomic"
)

type claims struct {
	sid, sub string
	exp      int64
}

// decode checks a token by hand rather than through a JWT library, with a
// JWT library's checks: EdDSA only, a kid from the server's JWKS, the
// signature over the exact bytes received, then iss, aud and claims. The
// reason is "" when the token is good.
func (v *LocalVerifier) decode(token string) (claims, string) {
	dot := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if dot < 0 || last == dot || strings.IndexByte(token[dot+1:last], '.') >= 0 {
		return claims{}, "MALFORMED"
	}
	head, body, signature := token[:dot], token[dot+1:last], token[last+1:]
	kid, ok := v.headerKid(head)
	if !ok {
		return claims{}, "MALFORMED"
	}
	var fixed [ed25519.SignatureSize]byte
	rawSignature, err := b64Into(fixed[:], signature)
	if err != nil {
		return claims{}, "MALFORMED"
	}
	key := v.key(kid)
	if key == nil {
		key = v.refetchFor(kid)
	}
	if key == nil {
		// A key we cannot get: a forgery, or a rotation we cannot see.
		return claims{}, "BAD_SIGNATURE"
	}
	if len(rawSignature) != ed25519.SignatureSize || !ascii(head) || !ascii(body) ||
		!ed25519.Verify(ed25519.PublicKey(key), []byte(token[:last]), rawSignature) {
		return claims{}, "BAD_SIGNATURE"
	}
	raw, err := b64(body)
	if err != nil {
		return claims{}, "MALFORMED"
	}
	c, ok := fastClaims(raw)
	if !ok {
		if c, ok = slowClaims(raw); !ok {
			return claims{}, "MALFORMED"
		}
	}
	if problem := v.claimsProblem(c); problem != "" {
		return claims{}, problem
	}
	return claims{sid: c.sid.s, sub: c.sub.s, exp: c.exp}, ""
}

// headerKid is the kid of an EdDSA header; ok is false for any other. Every
// token a key signs has the same header, so its reading is kept.
func (v *LocalVerifier) headerKid(head string) (kid string, ok bool) {
	v.headersMu.RLock()
	kid, ok = v.headers[head]
	v.headersMu.RUnlock()
	if ok {
		return kid, true
	}
	var header map[string]interface{}
	raw, err := b64(head)
	if err != nil || json.Unmarshal(raw, &header) != nil || header == nil || header["alg"] != "EdDSA" {
		return "", false
	}
	kid, _ = header["kid"].(string)
	v.headersMu.Lock()
	defer v.headersMu.Unlock()
	// Bounded: headers differ only by kid unless someone sends odd ones.
	if v.headers == nil || len(v.headers) >= 64 {
		v.headers = map[string]string{}
	}
	v.headers[head] = kid
	return kid, true
}

func (v *LocalVerifier) claimsProblem(c tokenClaims) string {
	v.keysMu.RLock()
	issuer, audience, tenant := v.issuer, v.audience, v.tenant
	v.keysMu.RUnlock()
	if c.iss.s != issuer || !c.iss.present {
		return "MALFORMED"
	}
	if tenant != "" && (!c.tnt.isString || c.tnt.s != tenant) {
		// Another tenant's token (all tenants share one key ring): as
		// ValidateSession says, there is no such session here.
		return "SESSION_NOT_FOUND"
	}
	if !c.aud.isString || (c.aud.s != audience && c.aud.s != v.legacyAudience) {
		return "MALFORMED"
	}
	if !c.sid.isString || !c.sub.isString || !c.expInteger {
		return "MALFORMED"
	}
	return ""
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ed25519Keys are the JWKS's Ed25519 public keys (RFC 8037 OKP) by kid; others are skipped.
func ed25519Keys(jwksJSON string) (map[string][]byte, error) {
	var jwks struct {
		Keys []map[string]interface{} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(jwksJSON), &jwks); err != nil {
		return nil, errNoKeys
	}
	keys := map[string][]byte{}
	for _, jwk := range jwks.Keys {
		str := func(k, fallback string) string {
			if s, ok := jwk[k].(string); ok {
				return s
			}
			return fallback
		}
		if str("kty", "") != "OKP" || str("crv", "") != "Ed25519" || str("alg", "EdDSA") != "EdDSA" || str("kid", "") == "" {
			continue
		}
		if raw, err := b64(str("x", "")); err == nil && len(raw) == ed25519.PublicKeySize {
			keys[str("kid", "")] = raw
		}
	}
	return keys, nil
}

// b64 decodes base64url with or without padding.
func b64(part string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
}

// b64Into is b64 into dst when it fits exactly, with no allocation.
func b64Into(dst []byte, part string) ([]byte, error) {
	part = strings.TrimRight(part, "=")
	if base64.RawURLEncoding.DecodedLen(len(part)) != len(dst) {
		return b64(part)
	}
	n, err := base64.RawURLEncoding.Decode(dst, []byte(part))
	return dst[:n], err
}

func atomicLoad(p *int64) int64 { return atomic.LoadInt64(p) }
