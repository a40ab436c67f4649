// What every Go conformance case shares: the runner's arguments, the
// operator's control endpoint, clients made as a user would make them, and
// checks that fail with what was seen.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"math"
	"net/http"
	"time"

	sa "sessionauthority"
)

type args struct {
	Case, Target, APIKey, OtherAPIKey, RevokedAPIKey, TLSTarget, MTLSTarget string
	CA, Cert, Key, Control, Prefix                                          string
}

type observed = map[string]interface{}
type caseFunc func(*args) (observed, error)

// failed is a check that did not hold; panicking with it ends the case
// from anywhere, and try turns it back into the case's error.
type failed struct{ msg string }

func check(ok bool, what string, seen ...interface{}) {
	if ok {
		return
	}
	if len(seen) == 0 {
		panic(failed{what})
	}
	b, _ := json.Marshal(seen[0])
	panic(failed{fmt.Sprintf("%s: %s", what, b)})
}

func must(err error, what string) {
	if err != nil {
		panic(failed{fmt.Sprintf("%s: %v", what, err)})
	}
}

func try(f caseFunc) caseFunc {
	return func(a *args) (o observed, err error) {
		defer func() {
			if r := recover(); r != nil {
				f, ok := r.(failed)
				if !ok {
					panic(r)
				}
				err = errors.New(f.msg)
			}
		}()
		return f(a)
	}
}

func ctx() context.Context { return context.Background() }

func control(a *args, path, method string) map[string]interface{} {
	req, err := http.NewRequest(method, a.Control+path, nil)
	must(err, "control "+path)
	r, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	must(err, "control "+path)
	defer r.Body.Close()
	raw, err := ioutil.ReadAll(r.Body)
	must(err, "control "+path)
	var body map[string]interface{}
	must(json.Unmarshal(raw, &body), "control "+path)
	check(r.StatusCode < 300, "control "+path+" failed", body)
	return body
}

func number(x interface{}) int64 {
	f, _ := x.(float64)
	return int64(f)
}

type clientOpts struct {
	target  string
	key     *string
	tls     *sa.TLS
	timeout time.Duration
}

func client(a *args, o clientOpts) *sa.Client {
	target, key := a.Target, a.APIKey
	if o.target != "" {
		target = o.target
	}
	if o.key != nil {
		key = *o.key
	}
	c, err := sa.New(target, sa.Options{APIKey: key, TLS: o.tls, Timeout: o.timeout})
	must(err, "client")
	return c
}

// expectError is the typed error err must be.
func expectError(err error) *sa.Error {
	check(err != nil, "expected an error")
	var e *sa.Error
	check(errors.As(err, &e), "not a *sessionauthority.Error", err.Error())
	return e
}

// until is how long until ok() held; it fails past the deadline.
func until(ok func() bool, limit time.Duration) time.Duration {
	started := time.Now()
	for !ok() {
		check(time.Since(started) < limit, fmt.Sprintf("not within %d ms", limit.Milliseconds()))
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(started)
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())/10) / 100
}

func tlsFiles(a *args, withCertificate bool) *sa.TLS {
	ca, err := ioutil.ReadFile(a.CA)
	must(err, "ca")
	t := &sa.TLS{CA: ca}
	if withCertificate {
		t.Cert, err = ioutil.ReadFile(a.Cert)
		must(err, "cert")
		t.Key, err = ioutil.ReadFile(a.Key)
		must(err, "key")
	}
	return t
}
