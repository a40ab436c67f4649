export { type ClientOptions, type CreateOptions, SessionAuthorityClient } from "./client.js";
export {
  type FieldViolation,
  HistoryCompacted,
  SessionAuthorityError,
  toSessionAuthorityError,
} from "./errors.js";
export { type WatchOptions, watchSessions } from "./watch.js";
export * from "./gen/sessionauthority/v1/session_pb.js";
export * from "./gen/sessionauthority/v1/session_service_pb.js";
export * from "./gen/sessionauthority/v1/subject_service_pb.js";
export { LocalVerifier, type LocalVerifierOptions, type Verification } from "./verifier.js";
export {
  type Change,
  ManagedSession,
  type ManagedSessionOptions,
  type Observer,
  State,
  type TimeSource,
  realTime,
} from "./managed.js";
export {
  FileTokenStore,
  MemoryTokenStore,
  type StoredSession,
  type TokenStore,
  parseStoredSession,
} from "./tokenstore.js";
