package sessionauthority_test

// The README's Go example, compiled and run as written against a live server.

import (
	"context"
	"io/ioutil"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readmeExample(t *testing.T) string {
	raw, err := ioutil.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	section := text[strings.Index(text, "\n### Go\n"):]
	start := strings.Index(section, "```go\n") + len("```go\n")
	return section[start : start+strings.Index(section[start:], "```")]
}

func TestReadmeExample(t *testing.T) {
	s := startServer(t)
	dir, err := ioutil.TempDir("", "sa-go-readme-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "main.go")
	if err := ioutil.WriteFile(main, []byte(readmeExample(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", main)
	cmd.Env = append(os.Environ(), "SESSION_AUTHORITY_TARGET="+s.Target)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"ready true", "valid true", "renew after logout: Unauthenticated SESSION_REVOKED",
		"event SESSION_EVENT_TYPE_REVOKED", "watch ended: seen", "refused offline"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
}
