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
