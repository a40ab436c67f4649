// The LocalVerifier conformance cases (conformance/CASES.md): what a service
// verifying tokens offline must see, in the same words as every other client.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	sa "sessionauthority"
	pb "sessionauthority/v1"
)

var verifierCases = map[string]caseFunc{
	"verifier_offline":                     try(offline),
	"verifier_revoked":                     try(revoked),
	"verifier_revoked_before_start":        try(revokedBeforeStart),
	"verifier_terminated":                  try(terminated),
	"verifier_fail_closed":                 try(failClosed),
	"verifier_key_rotation":                try(keyRotation),
	"verifier_forgeries":                   try(forgeries),
	"verifier_cold_start_after_compaction": try(coldStartAfterCompaction),
	"verifier_compacted_resume":            try(compactedResume),
	"verifier_other_tenant":                try(otherTenant),
	"verifier_rewind":                      try(rewind),
	"verifier_only_endings":                try(onlyEndings),
}

func withVerifier(a *args, failClosedAfter time.Duration, body func(*sa.LocalVerifier) observed) observed {
	v, err := sa.NewLocalVerifier(a.Target, sa.VerifierOptions{APIKey: a.APIKey, FailClosedAfter: failClosedAfter})
	must(err, "verifier")
	defer v.Close()
	must(v.Start(ctx()), "start")
	check(v.WaitReady(15*time.Second), "the verifier did not become ready", fmt.Sprint(v.Err()))
	return body(v)
}

func createToken(a *args, subject string) *pb.CreateSessionResponse {
	c := client(a, clientOpts{})
	defer c.Close()
	r, err := c.CreateSession(ctx(), subject, nil)
	must(err, "create")
	return r
}

func b64(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

func header(token string) map[string]string {
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	h := map[string]string{}
	_ = json.Unmarshal(raw, &h)
	return h
}

func rpcs(a *args) int64 { return number(control(a, "/metrics", "GET")["rpcs"]) }

func offline(a *args) (observed, error) {
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		token := createToken(a, a.Prefix+"-off").GetTokens().GetAccessToken()
		before := rpcs(a)
		valid := 0
		for i := 0; i < 1000; i++ {
			if v.Verify(token).Valid {
				valid++
			}
		}
		after := rpcs(a)
		check(valid == 1000, "not valid every time", valid)
		check(after == before, "RPCs while verifying", []int64{before, after})
		return observed{"verifications": 1000, "rpcs_meanwhile": after - before}
	}), nil
}

func revoked(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		r, err := c.CreateSession(ctx(), a.Prefix+"-rev", nil)
		must(err, "create")
		token := r.GetTokens().GetAccessToken()
		check(v.Verify(token).Valid, "not valid at first", v.Verify(token))
		_, err = c.RevokeSession(ctx(), r.GetSession().GetSessionId())
		must(err, "revoke")
		took := until(func() bool { return v.Verify(token).Reason == "SESSION_REVOKED" }, time.Second)
		return observed{"latency_ms": ms(took)}
	}), nil
}

func revokedBeforeStart(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	r, err := c.CreateSession(ctx(), a.Prefix+"-early", nil)
	must(err, "create")
	_, err = c.RevokeSession(ctx(), r.GetSession().GetSessionId())
	must(err, "revoke")
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		reason := v.Verify(r.GetTokens().GetAccessToken()).Reason
		check(reason == "SESSION_REVOKED", "reason", reason)
		return observed{"reason": reason}
	}), nil
}

func terminated(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		subject := a.Prefix + "-term"
		r, err := c.CreateSession(ctx(), subject, nil)
		must(err, "create")
		token := r.GetTokens().GetAccessToken()
		check(v.Verify(token).Valid, "not valid at first")
		_, err = c.TerminateSubject(ctx(), subject, pb.TerminationReason_TERMINATION_REASON_BANNED, "CONF_BAN")
		must(err, "terminate")
		defer func() { _, _ = c.ReinstateSubject(ctx(), subject) }()
		took := until(func() bool { return v.Verify(token).Reason == "SESSION_TERMINATED" }, time.Second)
		return observed{"latency_ms": ms(took)}
	}), nil
}

func failClosed(a *args) (observed, error) {
	return withVerifier(a, 2*time.Second, func(v *sa.LocalVerifier) observed {
		token := createToken(a, a.Prefix+"-closed").GetTokens().GetAccessToken()
		check(v.Verify(token).Valid, "not valid at first")
		control(a, "/stop", "POST")
		var took time.Duration
		func() {
			defer control(a, "/start", "POST")
			took = until(func() bool { return v.Verify(token).Reason == "UNKNOWN" }, 5*time.Second)
		}()
		check(v.WaitReady(15*time.Second), "not ready again after the server came back")
		return observed{"unknown_after_s": float64(took.Milliseconds()/10) / 100}
	}), nil
}

func keyRotation(a *args) (observed, error) {
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		old := createToken(a, a.Prefix+"-rot").GetTokens().GetAccessToken()
		control(a, "/rotate", "POST")
		fresh := createToken(a, a.Prefix+"-rot2").GetTokens().GetAccessToken()
		kids := []string{header(old)["kid"], header(fresh)["kid"]}
		sort.Strings(kids)
		check(kids[0] != kids[1], "one kid for both", kids)
		check(v.WaitReady(15*time.Second), "not ready after the rotation")
		// The new kid is learnt on first sight (a JWKS refetch); give it a moment.
		until(func() bool { return v.Verify(fresh).Valid }, 5*time.Second)
		check(v.Verify(old).Valid, "the old token", v.Verify(old))
		return observed{"kids": kids}
	}), nil
}

func forgeries(a *args) (observed, error) {
	c := client(a, clientOpts{})
	defer c.Close()
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		token := createToken(a, a.Prefix+"-forge").GetTokens().GetAccessToken()
		other := client(a, clientOpts{key: &a.OtherAPIKey})
		defer other.Close()
		f, err := other.CreateSession(ctx(), a.Prefix+"-forge", nil)
		must(err, "the other tenant's create")
		jwks, err := c.GetJwks(ctx())
		must(err, "jwks")
		var set struct {
			Keys []struct{ Kid, X string } `json:"keys"`
		}
		must(json.Unmarshal([]byte(jwks.GetJwksJson()), &set), "jwks json")
		check(len(set.Keys) > 0, "no keys")
		jwk := set.Keys[0]
		parts := strings.Split(token, ".")
		head, body, sig := parts[0], parts[1], parts[2]
		swap := "A"
		if sig[10] == 'A' {
			swap = "B"
		}
		flipped := sig[:10] + swap + sig[11:]
		js := func(m map[string]string) string { b, _ := json.Marshal(m); return b64(b) }
		none := js(map[string]string{"alg": "none", "kid": jwk.Kid}) + "." + body + "."
		hsHead := js(map[string]string{"alg": "HS256", "kid": jwk.Kid, "typ": "JWT"})
		mac := hmac.New(sha256.New, []byte(jwk.X))
		mac.Write([]byte(hsHead + "." + body))
		hs256 := hsHead + "." + body + "." + b64(mac.Sum(nil))
		unknown := js(map[string]string{"alg": "EdDSA", "kid": "k_unknown"})
		seen := map[string]string{
			"changed_byte":   v.Verify(head + "." + body + "." + flipped).Reason,
			"alg_none":       v.Verify(none).Reason,
			"hs256":          v.Verify(hs256).Reason,
			"unknown_kid":    v.Verify(unknown + "." + body + "." + sig).Reason,
			"other_audience": v.Verify(f.GetTokens().GetAccessToken()).Reason,
		}
		time.Sleep(7 * time.Second) // the server's tokens live 6 s
		seen["expired"] = v.Verify(token).Reason
		for _, r := range seen {
			check(r != "", "a forgery verified", seen)
		}
		check(seen["changed_byte"] == "BAD_SIGNATURE" && seen["unknown_kid"] == "BAD_SIGNATURE", "reasons", seen)
		check(seen["expired"] == "TOKEN_EXPIRED", "expired", seen)
		return observed{"reasons": seen}
	}), nil
}

func coldStartAfterCompaction(a *args) (observed, error) {
	c := client(a, clientOpts{})
	r, err := c.CreateSession(ctx(), a.Prefix+"-cold", nil)
	must(err, "create")
	_, err = c.RevokeSession(ctx(), r.GetSession().GetSessionId())
	must(err, "revoke")
	c.Close()
	compact := control(a, "/compact", "POST")["compact_revision"]
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		reason := v.Verify(r.GetTokens().GetAccessToken()).Reason
		check(reason == "SESSION_REVOKED", "reason", reason)
		return observed{"compact_revision": compact, "snapshots": v.Snapshots()}
	}), nil
}

func compactedResume(a *args) (observed, error) {
	return withVerifier(a, 30*time.Second, func(v *sa.LocalVerifier) observed {
		first := v.Snapshots()
		done := control(a, "/restart?writes=2&subject="+a.Prefix+"-away&compact=1", "POST")
		until(func() bool { return v.Snapshots() > first && v.Healthy() }, 20*time.Second)
		reasons := []string{}
		sessions, _ := done["sessions"].([]interface{})
		for _, s := range sessions {
			token, _ := s.(map[string]interface{})["access_token"].(string)
			reasons = append(reasons, v.Verify(token).Reason)
		}
		check(fmt.Sprint(reasons) == "[SESSION_REVOKED SESSION_REVOKED]", "reasons", reasons)
		return observed{"snapshots": v.Snapshots(), "reasons": reasons}
	}), nil
}

func otherTenant(a *args) (observed, error) {
	other := client(a, clientOpts{key: &a.OtherAPIKey})
	defer other.Close()
	return withVerifier(a, 10*time.Second, func(v *sa.LocalVerifier) observed {
		r, err := other.CreateSession(ctx(), a.Prefix+"-alice", nil)
		must(err, "create")
		before := v.Verify(r.GetTokens().GetAccessToken())
		_, err = other.RevokeSession(ctx(), r.GetSession().GetSessionId())
		must(err, "revoke")
		after := v.Verify(r.GetTokens().GetAccessToken())
		check(!before.Valid && !after.Valid, "another tenant's token verified", []sa.Verification{before, after})
		return observed{"before": before.Reason, "after": after.Reason}
	}), nil
}

func rewind(a *args) (observed, error) {
	kept := createToken(a, a.Prefix+"-kept")
	backup := number(control(a, "/head", "GET")["head_revision"])
	return withVerifier(a, 30*time.Second, func(v *sa.LocalVerifier) observed {
		for i := 0; i < 3; i++ {
			createToken(a, a.Prefix+"-lost")
		}
		until(func() bool { return v.Revision() >= backup+3 }, 5*time.Second)
		seen, first := v.Revision(), v.Snapshots()
		control(a, fmt.Sprintf("/rewind?to=%d", backup), "POST")
		until(func() bool { return v.Snapshots() > first && v.Healthy() }, 20*time.Second)
		c := client(a, clientOpts{})
		defer c.Close()
		r, err := c.RevokeSession(ctx(), kept.GetSession().GetSessionId())
		must(err, "revoke")
		revokedAt := r.GetSession().GetRevision()
		check(revokedAt <= seen, "the revoke's revision is not one already passed", []int64{revokedAt, seen})
		took := until(func() bool { return v.Verify(kept.GetTokens().GetAccessToken()).Reason == "SESSION_REVOKED" }, 2*time.Second)
		return observed{"latency_ms": ms(took), "revision_seen": seen, "restored": backup}
	}), nil
}

func onlyEndings(a *args) (observed, error) {
	return withVerifier(a, 10*time.Second, func(*sa.LocalVerifier) observed {
		streams, _ := control(a, "/metrics", "GET")["streams_by_types"].(map[string]interface{})
		live := map[string]int64{}
		for k, n := range streams {
			if number(n) != 0 {
				live[k] = number(n)
			}
		}
		check(len(live) == 1 && live["EXPIRED,REVOKED,TERMINATED"] == 1, "streams", live)
		return observed{"streams_by_types": live}
	}), nil
}
