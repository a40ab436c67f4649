// Where a ManagedSession keeps its session across restarts. The file format
// is the Python SDK's (one JSON object, times in epoch seconds), so a Node
// process and a Python one can take up each other's session. Refresh tokens
// are secrets: keep the file where only this service's user can read it, or
// implement TokenStore over a keychain or a secret manager.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Session, TokenPair } from "./gen/sessionauthority/v1/session_pb.js";

/** What a ManagedSession stores, field names as the Python SDK writes them;
 * times in seconds since the epoch. */
export interface StoredSession {
  subject_id: string;
  reference: string;
  session_id: string;
  session_expire: number;
  access_token: string;
  access_expire: number;
  refresh_token: string;
  refresh_expire: number;
}

/** The record of a session the server has just handed out or renewed. */
export function storedSession(
  subjectId: string,
  reference: string,
  answer: { session?: Session; tokens?: TokenPair },
): StoredSession {
  const { session: s, tokens: t } = answer;
  return {
    subject_id: subjectId,
    reference,
    session_id: s?.sessionId ?? "",
    session_expire: Number(s?.expireTime?.seconds ?? 0n),
    access_token: t?.accessToken ?? "",
    access_expire: Number(t?.accessTokenExpireTime?.seconds ?? 0n),
    refresh_token: t?.refreshToken ?? "",
    refresh_expire: Number(t?.refreshTokenExpireTime?.seconds ?? 0n),
  };
}

/** A loaded record as a StoredSession; undefined if it is not one (a record
 * from an older SDK without `reference` reads it as ""). */
export function parseStoredSession(raw: Record<string, unknown>): StoredSession | undefined {
  const record: Record<string, unknown> = { reference: "", ...raw };
  const texts = ["subject_id", "reference", "session_id", "access_token", "refresh_token"];
  const times = ["session_expire", "access_expire", "refresh_expire"];
  const ok =
    texts.every((k) => typeof record[k] === "string") &&
    times.every((k) => Number.isFinite(record[k]));
  return ok ? (record as unknown as StoredSession) : undefined;
}

/** Synchronous, as in the Python SDK: a session saves from inside a timer
 * callback, where nothing awaits it, and a record is a few hundred bytes. */
export interface TokenStore {
  load(): Record<string, unknown> | undefined;
  save(record: Record<string, unknown>): void;
  clear(): void;
}

/** For tests and short-lived processes. */
export class MemoryTokenStore implements TokenStore {
  record: Record<string, unknown> | undefined;

  load(): Record<string, unknown> | undefined {
    return this.record === undefined ? undefined : { ...this.record };
  }

  save(record: Record<string, unknown>): void {
    this.record = { ...record };
  }

  clear(): void {
    this.record = undefined;
  }
}

/** A JSON file, mode 0600, replaced atomically. */
export class FileTokenStore implements TokenStore {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  load(): Record<string, unknown> | undefined {
    let record: unknown;
    try {
      record = JSON.parse(readFileSync(this.path, "utf8"));
    } catch {
      return undefined; // missing, unreadable or torn: as good as none
    }
    return typeof record === "object" && record !== null && !Array.isArray(record)
      ? (record as Record<string, unknown>)
      : undefined;
  }

  save(record: Record<string, unknown>): void {
    // Written beside the target so the rename stays on one filesystem (and
    // so is atomic): a reader sees the old record or the new, never half.
    const tmp = join(
      dirname(this.path),
      `.session-${basename(this.path)}-${randomBytes(6).toString("hex")}.tmp`,
    );
    // "wx": a fresh file, created 0600 before any secret is in it.
    const fd = openSync(tmp, "wx", 0o600);
    try {
      try {
        writeSync(fd, JSON.stringify(record));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}
