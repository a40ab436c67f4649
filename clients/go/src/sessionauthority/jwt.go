package sessionauthority

import (
	"bytes"
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
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, "MALFORMED"
	}
	head, body, signature := parts[0], parts[1], parts[2]
	var header map[string]interface{}
	raw, err := b64(head)
	if err != nil || json.Unmarshal(raw, &header) != nil || header == nil || header["alg"] != "EdDSA" {
		return claims{}, "MALFORMED"
	}
	kid, _ := header["kid"].(string)
	rawSignature, err := b64(signature)
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
		!ed25519.Verify(ed25519.PublicKey(key), []byte(head+"."+body), rawSignature) {
		return claims{}, "BAD_SIGNATURE"
	}
	raw, err = b64(body)
	if err != nil {
		return claims{}, "MALFORMED"
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var c map[string]interface{}
	if d.Decode(&c) != nil || c == nil {
		return claims{}, "MALFORMED"
	}
	if problem := v.claimsProblem(c); problem != "" {
		return claims{}, problem
	}
	exp, _ := c["exp"].(json.Number).Int64()
	return claims{sid: c["sid"].(string), sub: c["sub"].(string), exp: exp}, ""
}

func (v *LocalVerifier) claimsProblem(c map[string]interface{}) string {
	v.keysMu.RLock()
	issuer, audience, tenant := v.issuer, v.audience, v.tenant
	v.keysMu.RUnlock()
	if iss, _ := c["iss"].(string); iss != issuer || c["iss"] == nil {
		return "MALFORMED"
	}
	if tenant != "" {
		if tnt, ok := c["tnt"].(string); !ok || tnt != tenant {
			// Another tenant's token (all tenants share one key ring): as
			// ValidateSession says, there is no such session here.
			return "SESSION_NOT_FOUND"
		}
	}
	if aud, ok := c["aud"].(string); !ok || (aud != audience && aud != v.legacyAudience) {
		return "MALFORMED"
	}
	_, sidOK := c["sid"].(string)
	_, subOK := c["sub"].(string)
	if !sidOK || !subOK || !integer(c["exp"]) {
		return "MALFORMED"
	}
	return ""
}

// integer: a JSON integer, as Python's json reads it (1e9 and 1.0 are floats).
func integer(x interface{}) bool {
	n, ok := x.(json.Number)
	if !ok || strings.ContainsAny(string(n), ".eE") {
		return false
	}
	_, err := n.Int64()
	return err == nil
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

func atomicLoad(p *int64) int64 { return atomic.LoadInt64(p) }
