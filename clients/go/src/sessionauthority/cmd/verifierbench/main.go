// The Go LocalVerifier in the bench (bench/verifier.py runs it in its own
// process pinned to one CPU, as it does the other clients' programs): warm
// and cold verifications per second beside one bare Ed25519 verify on the
// same CPU (the ceiling a cold check cannot pass), and how long after
// RevokeSession returns the verifier refuses the token.
//
//	verifierbench TARGET TOKENS_JSON SECONDS   # prints JSON
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	sa "sessionauthority"
)

const revokes = 100

func callsPerSecond(call func(), seconds float64) float64 {
	for i := 0; i < 200; i++ {
		call() // warm the caches and the CPU's clock
	}
	count, started := 0, time.Now()
	limit := time.Duration(seconds * float64(time.Second))
	for time.Since(started) < limit {
		for i := 0; i < 100; i++ {
			call()
		}
		count += 100
	}
	return float64(count) / time.Since(started).Seconds()
}

func rate(v *sa.LocalVerifier, tokens []string, seconds float64) float64 {
	i := 0
	return callsPerSecond(func() {
		outcome := v.Verify(tokens[i%len(tokens)])
		i++
		if outcome.Reason != "" && outcome.Reason != "SESSION_REVOKED" {
			panic(fmt.Sprintf("unexpected verification: %+v", outcome))
		}
	}, seconds)
}

func ed25519Rate(seconds float64) float64 {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	message := make([]byte, 300) // about a token's signed part
	_, _ = rand.Read(message)
	signature := ed25519.Sign(private, message)
	return callsPerSecond(func() { ed25519.Verify(public, message, signature) }, seconds)
}

func started(target string, o sa.VerifierOptions) *sa.LocalVerifier {
	v, err := sa.NewLocalVerifier(target, o)
	if err != nil {
		panic(err)
	}
	if err := v.Start(context.Background()); err != nil {
		panic(err)
	}
	if !v.WaitReady(60 * time.Second) {
		panic("the verifier did not catch up")
	}
	return v
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: verifierbench TARGET TOKENS_JSON SECONDS")
		os.Exit(2)
	}
	target := os.Args[1]
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var tokens []string
	if err := json.Unmarshal(raw, &tokens); err != nil || len(tokens) == 0 {
		panic(fmt.Sprintf("no tokens in %s: %v", os.Args[2], err))
	}
	seconds, err := strconv.ParseFloat(os.Args[3], 64)
	if err != nil {
		panic(err)
	}
	result := map[string]interface{}{
		"ed25519_per_s": ed25519Rate(seconds),
		"runtime":       "Go " + strings.TrimPrefix(runtime.Version(), "go"),
	}
	cold := started(target, sa.VerifierOptions{CacheSize: 1})
	result["cold_per_s"] = rate(cold, tokens, seconds)
	_ = cold.Close()

	warm := started(target, sa.VerifierOptions{})
	defer warm.Close()
	result["warm_per_s"] = rate(warm, tokens, seconds)
	client, err := sa.New(target, sa.Options{})
	if err != nil {
		panic(err)
	}
	defer client.Close()
	ctx := context.Background()
	delays := make([]float64, 0, revokes)
	for i := 0; i < revokes; i++ {
		created, err := client.CreateSession(ctx, fmt.Sprintf("go-verifier-%d", i), nil)
		if err != nil {
			panic(err)
		}
		token := created.Tokens.AccessToken
		if !warm.Verify(token).Valid {
			panic("a fresh token did not verify")
		}
		if _, err := client.RevokeSession(ctx, created.Session.SessionId); err != nil {
			panic(err)
		}
		sent := time.Now()
		for warm.Verify(token).Reason != "SESSION_REVOKED" {
			time.Sleep(200 * time.Microsecond)
		}
		delays = append(delays, float64(time.Since(sent))/float64(time.Millisecond))
	}
	sort.Float64s(delays)
	result["refusal_p50_ms"] = delays[len(delays)/2]
	result["refusal_p99_ms"] = delays[len(delays)*99/100]
	line, err := json.Marshal(result)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
}
