package sessionauthority_test

// Starts the real Python server (the one `make run` runs) on a free port
// over a SQLite file, for the Go tests. Nothing is mocked.

import (
	"bufio"
	"io/ioutil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

type testServer struct {
	t      *testing.T
	dir    string
	url    string
	Target string
	cmd    *exec.Cmd
	env    []string // settings beyond the tests' defaults, "SESSION_AUTHORITY_X=v"
}

func serverBin() string {
	if bin := os.Getenv("SESSION_AUTHORITY_BIN"); bin != "" {
		return bin
	}
	// The package's directory is clients/go/src/sessionauthority: the root is four up.
	root, _ := filepath.Abs("../../../..")
	return filepath.Join(root, ".venv", "bin", "session-authority")
}

func startServer(t *testing.T) *testServer { return startServerWith(t) }

// startServerWith takes settings as "SESSION_AUTHORITY_X=v".
func startServerWith(t *testing.T, env ...string) *testServer {
	dir, err := ioutil.TempDir("", "sa-go-")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, dir: dir, url: "sqlite:///" + filepath.Join(dir, "sa.db"), env: env}
	s.listen("0")
	t.Cleanup(func() {
		s.stop()
		os.RemoveAll(dir)
	})
	return s
}

var servingOn = regexp.MustCompile(`serving on (\S+)`)

// listen starts a server process on port ("0": a free one) over the same database.
func (s *testServer) listen(port string) {
	cmd := exec.Command(serverBin(), "serve", "--port", port, "--database-url", s.url)
	cmd.Env = append(os.Environ(), "SESSION_AUTHORITY_SHUTDOWN_GRACE_SECONDS=1",
		"SESSION_AUTHORITY_WATCH_PROGRESS_INTERVAL_SECONDS=0.2")
	cmd.Env = append(cmd.Env, s.env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if m := servingOn.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case s.Target = <-found:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		s.t.Fatalf("no 'serving on' line within 30 s\n%s", stderr.String())
	}
}

func (s *testServer) port() string { return s.Target[strings.LastIndex(s.Target, ":")+1:] }

// stop is SIGTERM, as an operator would; it returns once the process has exited.
func (s *testServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// restart stops the server and starts another on the same port and database.
func (s *testServer) restart() {
	port := s.port()
	s.stop()
	s.listen(port)
}
