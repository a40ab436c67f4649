package sessionauthority_test

// The README's Go examples, compiled and run as written against a live server.

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

// readmeExamples are the go blocks of the README's "### Go" section, in order.
func readmeExamples(t *testing.T) []string {
	raw, err := ioutil.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	section := text[strings.Index(text, "\n### Go\n")+1:]
	if end := strings.Index(section, "\n### "); end >= 0 {
		section = section[:end]
	}
	var examples []string
	for {
		start := strings.Index(section, "```go\n")
		if start < 0 {
			return examples
		}
		section = section[start+len("```go\n"):]
		end := strings.Index(section, "```")
		examples = append(examples, section[:end])
		section = section[end+3:]
	}
}

// What each example prints, in the README's order.
var readmeWants = [][]string{
	{"ready true", "valid true", "renew after logout: Unauthenticated SESSION_REVOKED",
		"event SESSION_EVENT_TYPE_REVOKED", "watch ended: seen", "refused offline"},
	{"state ESTABLISHING", "state ESTABLISHED", "persisted true", "restored true true",
		"after logout NOT_LOGGED_IN LOGGED_OUT persisted false"},
}

func TestReadmeExamples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) != len(readmeWants) {
		t.Fatalf("%d go examples in the README's Go section, and checks for %d", len(examples), len(readmeWants))
	}
	s := startServer(t)
	for i, example := range examples {
		out := runExample(t, s, example)
		for _, want := range readmeWants[i] {
			if !strings.Contains(out, want) {
				t.Fatalf("example %d: no %q in\n%s", i+1, want, out)
			}
		}
	}
}

func runExample(t *testing.T, s *testServer, example string) string {
	dir, err := ioutil.TempDir("", "sa-go-readme-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "main.go")
	if err := ioutil.WriteFile(main, []byte(example), 0o600); err != nil {
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
	return string(out)
}
