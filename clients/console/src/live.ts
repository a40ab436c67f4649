// WatchSessions as a Connect server stream over fetch, kept open: after a
// dropped connection it resumes from the revision after the last one it
// saw (a progress mark or an event), so no change is missed or repeated.
// A revision older than the server keeps (OUT_OF_RANGE) starts over from
// now and asks the page to reload what it shows.
import type { SessionEvent } from "../../typescript/src/gen/sessionauthority/v1/session_service_pb.js";
import { Code, ConnectError, describe, sessions } from "./api.js";

export interface WatchFilter {
  subjectId: string;
  reference: string;
}

export interface WatchHandlers {
  event(ev: SessionEvent): void;
  status(text: string, live: boolean): void;
  /** History was lost: what the page shows may be stale. */
  reset(): void;
}

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

export class LiveWatch {
  private readonly abort = new AbortController();
  private last = 0n; // every matching change up to here has been applied
  private readyResolve: (() => void) | undefined;
  /** Settles once the stream is open (its first progress) or has failed once. */
  readonly ready: Promise<void>;

  constructor(
    private readonly filter: WatchFilter,
    private readonly on: WatchHandlers,
  ) {
    this.ready = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private settle(): void {
    this.readyResolve?.();
    this.readyResolve = undefined;
  }

  private async run(): Promise<void> {
    let wait = FIRST_RETRY_MS;
    while (!this.abort.signal.aborted) {
      try {
        const stream = sessions.watchSessions(
          {
            subjectId: this.filter.subjectId,
            reference: this.filter.reference,
            startRevision: this.last === 0n ? 0n : this.last + 1n,
          },
          { signal: this.abort.signal },
        );
        for await (const message of stream) {
          wait = FIRST_RETRY_MS;
          if (message.kind.case === "progress") {
            if (message.kind.value.revision > this.last) this.last = message.kind.value.revision;
            this.on.status(`Live: showing changes as they happen (revision ${this.last}).`, true);
            this.settle();
          } else if (message.kind.case === "event") {
            const ev = message.kind.value;
            if (ev.revision > this.last) this.last = ev.revision;
            this.on.event(ev);
          }
        }
        if (this.abort.signal.aborted) return;
        this.on.status("The server ended the live stream; reconnecting…", false);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof ConnectError && err.code === Code.OutOfRange) {
          this.last = 0n;
          this.on.reset();
        }
        const from = this.last === 0n ? "now" : `revision ${this.last + 1n}`;
        this.on.status(`Live stream lost (${describe(err)}); reconnecting from ${from}…`, false);
        this.settle();
      }
      await pause(wait, this.abort.signal);
      wait = Math.min(wait * 2, LAST_RETRY_MS);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
