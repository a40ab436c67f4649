"""HTTP: the Connect protocol (JSON and binary, HTTP/1.1 and HTTP/2) over the
same calls/ the gRPC servicers use, plus /healthz; static files (the
console) mount under a path prefix of HttpApp."""
