// The Go client's conformance program: runs one case of
// conformance/CASES.md against a live server, prints one JSON line of what
// it observed, and exits 0 only when every check passed.
//
//	conformance --case lifecycle --target 127.0.0.1:50051 ...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

var cases = map[string]caseFunc{}

func register(m map[string]caseFunc) {
	for name, f := range m {
		cases[name] = f
	}
}

func main() {
	var a args
	flags := flag.NewFlagSet("conformance", flag.ExitOnError)
	for name, p := range map[string]*string{
		"case": &a.Case, "target": &a.Target, "api-key": &a.APIKey, "other-api-key": &a.OtherAPIKey,
		"revoked-api-key": &a.RevokedAPIKey, "tls-target": &a.TLSTarget, "mtls-target": &a.MTLSTarget,
		"ca": &a.CA, "cert": &a.Cert, "key": &a.Key, "control": &a.Control, "prefix": &a.Prefix,
	} {
		flags.StringVar(p, name, "", name)
	}
	_ = flags.Parse(os.Args[1:])
	if a.Prefix == "" {
		a.Prefix = "go"
	}
	register(coreCases)
	register(verifierCases)
	register(managedCases)
	run, ok := cases[a.Case]
	if !ok {
		emit(map[string]interface{}{"case": a.Case, "ok": false, "error": "not implemented"})
		// Exit explicitly: a case that failed midway may leave a stream open.
		os.Exit(1)
	}
	observed, err := run(&a)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		emit(map[string]interface{}{"case": a.Case, "ok": false, "error": err.Error()})
		os.Exit(1)
	}
	out := map[string]interface{}{}
	for k, v := range observed {
		out[k] = v
	}
	out["case"], out["ok"] = a.Case, true
	emit(out)
	os.Exit(0)
}

func emit(m map[string]interface{}) {
	line, err := json.Marshal(m)
	if err != nil {
		line = []byte(fmt.Sprintf(`{"case": %q, "ok": false, "error": %q}`, m["case"], err.Error()))
	}
	fmt.Println(string(line))
}
