// Package sessionauthority is the Go client of Session Authority: typed
// errors, a watch that resumes by revision, and a LocalVerifier that checks
// access tokens without a call per token.
//
//	c, err := sessionauthority.New("127.0.0.1:50051", sessionauthority.Options{APIKey: key})
//	r, err := c.CreateSession(ctx, "user-42", &sessionauthority.CreateOptions{Reference: "web"})
package sessionauthority

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	pb "sessionauthority/v1"
)

// Options for New. The zero value is a plaintext channel without a key and
// a 10 s deadline per call.
type Options struct {
	// APIKey is sent as "authorization: Bearer <key>" on every call.
	APIKey string
	// Timeout is the deadline of a unary call whose context has none.
	Timeout time.Duration
	// TLS, when set, secures the channel; nil is plaintext.
	TLS *TLS
}

// TLS for the channel, PEM-encoded. No CA: the system's roots. Cert and Key
// together: a client certificate (mTLS).
type TLS struct {
	CA, Cert, Key []byte
	// ServerName overrides the name checked in the server's certificate.
	ServerName string
}

// Client is safe for concurrent use; Close it when done.
type Client struct {
	conn     *grpc.ClientConn
	Sessions pb.SessionServiceClient
	Subjects pb.SubjectServiceClient
	timeout  time.Duration
}

// New dials lazily: a server that is down fails the first call, not New.
func New(target string, o Options) (*Client, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	creds := grpc.WithInsecure()
	if o.TLS != nil {
		cfg, err := o.TLS.config()
		if err != nil {
			return nil, err
		}
		creds = grpc.WithTransportCredentials(credentials.NewTLS(cfg))
	}
	md := metadata.MD{}
	if o.APIKey != "" {
		md.Set("authorization", "Bearer "+o.APIKey)
	}
	conn, err := grpc.Dial(target, creds,
		// Back within two seconds of the server: gRPC's default reconnect
		// backoff grows to two minutes, and a LocalVerifier fails closed
		// until it has reconnected.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 250 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second}),
		grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			if _, ok := ctx.Deadline(); !ok {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			return invokeWithRetries(withKey(ctx, md), method, req, reply, cc, invoker, opts)
		}),
		// Streams get the key but no deadline: a watch lives as long as its context.
		grpc.WithStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(withKey(ctx, md), desc, cc, method, opts...)
		}),
	)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, Sessions: pb.NewSessionServiceClient(conn), Subjects: pb.NewSubjectServiceClient(conn), timeout: timeout}, nil
}

// Calls that are safe to send twice, as in the Python SDK: CreateSession
// because every create carries a request_id, RenewSession because a retry
// inside the grace window gets the same pair back.
var idempotent = map[string]bool{}

func init() {
	for _, m := range []string{"CreateSession", "GetSession", "ListSessions", "ValidateSession",
		"RenewSession", "RevokeSession", "RevokeSessions", "GetJwks"} {
		idempotent["/sessionauthority.v1.SessionService/"+m] = true
	}
	for _, m := range []string{"GetSubject", "TerminateSubject", "ReinstateSubject"} {
		idempotent["/sessionauthority.v1.SubjectService/"+m] = true
	}
}

// invokeWithRetries retries an idempotent call refused as UNAVAILABLE (a
// server restarting, a channel reconnecting) up to 4 attempts in all.
func invokeWithRetries(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts []grpc.CallOption) error {
	pause := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil || attempt == 4 || !idempotent[method] || status.Code(err) != codes.Unavailable {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		if pause *= 2; pause > 2*time.Second {
			pause = 2 * time.Second
		}
	}
}

func withKey(ctx context.Context, md metadata.MD) context.Context {
	if len(md) == 0 {
		return ctx
	}
	return metadata.NewOutgoingContext(ctx, metadata.Join(md, outgoing(ctx)))
}

func outgoing(ctx context.Context) metadata.MD {
	md, _ := metadata.FromOutgoingContext(ctx)
	return md
}

func (t *TLS) config() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if len(t.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CA) {
			return nil, errors.New("sessionauthority: no certificate in TLS.CA")
		}
		cfg.RootCAs = pool
	}
	if len(t.Cert) > 0 || len(t.Key) > 0 {
		pair, err := tls.X509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// Close ends every call and stream of this client.
func (c *Client) Close() error { return c.conn.Close() }

// CreateOptions are CreateSession's optional fields.
type CreateOptions struct {
	Reference string
	Metadata  map[string]interface{}
	TTL       time.Duration
	// RequestID makes retries return the first answer; one is made if empty.
	RequestID                        string
	ReuseExisting, Pending           bool
	UserAgent, IPAddress, DeviceName string
}

// CreateSession returns a new session and its tokens (or, with Pending, a
// handoff code).
func (c *Client) CreateSession(ctx context.Context, subjectID string, o *CreateOptions) (*pb.CreateSessionResponse, error) {
	if o == nil {
		o = &CreateOptions{}
	}
	req := &pb.CreateSessionRequest{SubjectId: subjectID, Reference: o.Reference, RequestId: o.RequestID,
		ReuseExisting: o.ReuseExisting, Pending: o.Pending}
	if req.RequestId == "" {
		req.RequestId = newRequestID()
	}
	if o.Metadata != nil {
		s, err := structpb.NewStruct(o.Metadata)
		if err != nil {
			return nil, err
		}
		req.Metadata = s
	}
	if o.TTL > 0 {
		req.Ttl = durationpb.New(o.TTL)
	}
	if o.UserAgent != "" || o.IPAddress != "" || o.DeviceName != "" {
		req.Client = &pb.ClientInfo{UserAgent: o.UserAgent, IpAddress: o.IPAddress, DeviceName: o.DeviceName}
	}
	r, err := c.Sessions.CreateSession(ctx, req)
	return r, fromError(err)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StartSession redeems a pending session's handoff code, once.
func (c *Client) StartSession(ctx context.Context, handoffCode string) (*pb.StartSessionResponse, error) {
	r, err := c.Sessions.StartSession(ctx, &pb.StartSessionRequest{HandoffCode: handoffCode})
	return r, fromError(err)
}

func (c *Client) GetSession(ctx context.Context, sessionID string) (*pb.Session, error) {
	r, err := c.Sessions.GetSession(ctx, &pb.GetSessionRequest{SessionId: sessionID})
	return r.GetSession(), fromError(err)
}

// ValidateSession never fails for a bad token: Valid is false and
// InvalidReason says why. Empty expectations are not checked.
func (c *Client) ValidateSession(ctx context.Context, accessToken, expectedSubjectID, expectedReference string) (*pb.ValidateSessionResponse, error) {
	r, err := c.Sessions.ValidateSession(ctx, &pb.ValidateSessionRequest{AccessToken: accessToken,
		ExpectedSubjectId: expectedSubjectID, ExpectedReference: expectedReference})
	return r, fromError(err)
}

func (c *Client) RenewSession(ctx context.Context, refreshToken string) (*pb.RenewSessionResponse, error) {
	r, err := c.Sessions.RenewSession(ctx, &pb.RenewSessionRequest{RefreshToken: refreshToken})
	return r, fromError(err)
}

func (c *Client) RevokeSession(ctx context.Context, sessionID string) (*pb.RevokeSessionResponse, error) {
	r, err := c.Sessions.RevokeSession(ctx, &pb.RevokeSessionRequest{SessionId: sessionID})
	return r, fromError(err)
}

func (c *Client) GetJwks(ctx context.Context) (*pb.GetJwksResponse, error) {
	r, err := c.Sessions.GetJwks(ctx, &pb.GetJwksRequest{})
	return r, fromError(err)
}

func (c *Client) ListEndedSessions(ctx context.Context, pageSize int32, pageToken string) (*pb.ListEndedSessionsResponse, error) {
	r, err := c.Sessions.ListEndedSessions(ctx, &pb.ListEndedSessionsRequest{PageSize: pageSize, PageToken: pageToken})
	return r, fromError(err)
}

// TerminateSubject ends every session of the subject and refuses new ones
// (SUBJECT_TERMINATED, with errorCode) until ReinstateSubject.
func (c *Client) TerminateSubject(ctx context.Context, subjectID string, reason pb.TerminationReason, errorCode string) (*pb.TerminateSubjectResponse, error) {
	r, err := c.Subjects.TerminateSubject(ctx, &pb.TerminateSubjectRequest{SubjectId: subjectID, Reason: reason, ErrorCode: errorCode})
	return r, fromError(err)
}

func (c *Client) ReinstateSubject(ctx context.Context, subjectID string) (*pb.Subject, error) {
	r, err := c.Subjects.ReinstateSubject(ctx, &pb.ReinstateSubjectRequest{SubjectId: subjectID})
	return r.GetSubject(), fromError(err)
}

// CurrentRevision is the newest committed revision: the progress a watch
// from now opens with. Everything at or below it has happened.
func (c *Client) CurrentRevision(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	stream, err := c.Sessions.WatchSessions(ctx, &pb.WatchSessionsRequest{})
	if err != nil {
		return 0, fromError(err)
	}
	m, err := stream.Recv()
	if err != nil {
		return 0, fromError(err)
	}
	return m.GetProgress().GetRevision(), nil
}
