// The sessions page: search by subject or reference, a paged table, the
// actions (each confirmed, each showing the server's answer), and the live
// stream that keeps open rows current and feeds the event list. Revokes
// from here are END_REASON_ADMIN: an operator ended them, not the user.
import {
  EndReason,
  type Session,
  SessionState,
} from "../../typescript/src/gen/sessionauthority/v1/session_pb.js";
import {
  type SessionEvent,
  SessionEventType,
} from "../../typescript/src/gen/sessionauthority/v1/session_service_pb.js";
import {
  SubjectState,
  TerminationReason,
} from "../../typescript/src/gen/sessionauthority/v1/subject_service_pb.js";
import { describe, sessions, subjects } from "./api.js";
import { answer, byId, confirmAction, el, time } from "./dom.js";
import { LiveWatch, type WatchFilter } from "./live.js";

const PAGE_SIZE = 20;
const FEED_LENGTH = 100;
const LIVE_STATES = new Set([SessionState.ACTIVE, SessionState.PENDING]);

let filter: WatchFilter | undefined;
let tokens: string[] = [""]; // the page token of each page visited so far
let page = 0;
let nextToken = "";
let watch: LiveWatch | undefined;
const shown = new Map<string, Session>();

const out = () => byId("answer");

export function setUp(): void {
  byId<HTMLFormElement>("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const subjectId = byId<HTMLInputElement>("search-subject").value.trim();
    const reference = byId<HTMLInputElement>("search-reference").value.trim();
    if (!subjectId && !reference) {
      answer(out(), "Enter a subject or a reference.", false);
      return;
    }
    void search({ subjectId, reference });
  });
  byId("prev-page").addEventListener("click", () => void turn(-1));
  byId("next-page").addEventListener("click", () => void turn(1));
  byId("revoke-all").addEventListener("click", () => void revokeAll());
  byId("terminate").addEventListener("click", () => void terminate());
  byId("reinstate").addEventListener("click", () => void reinstate());
}

export function stopLive(): void {
  watch?.stop();
  watch = undefined;
}

async function search(next: WatchFilter): Promise<void> {
  stopLive();
  filter = next;
  tokens = [""];
  page = 0;
  byId("event-feed").replaceChildren();
  answer(out(), "", true);
  // The stream first, then the list: a change made between the two arrives
  // on the stream, and a row only takes an event newer than what it shows.
  watch = new LiveWatch(next, {
    event: onEvent,
    status: (text, live) => {
      const status = byId("live-status");
      status.textContent = text;
      status.dataset["live"] = String(live);
    },
    reset: () => void load(),
  });
  await watch.ready;
  await Promise.all([load(), loadSubject()]);
}

async function turn(step: number): Promise<void> {
  if (step > 0 && !nextToken) return;
  if (step > 0) tokens[page + 1] = nextToken;
  page = Math.max(0, page + step);
  await load();
}

async function load(): Promise<void> {
  if (!filter) return;
  try {
    const reply = await sessions.listSessions({
      subjectId: filter.subjectId,
      reference: filter.reference,
      pageSize: PAGE_SIZE,
      pageToken: tokens[page] ?? "",
    });
    nextToken = reply.nextPageToken;
    shown.clear();
    const body = byId("sessions-body");
    body.replaceChildren(...reply.sessions.map((s) => row(s)));
    for (const s of reply.sessions) shown.set(s.sessionId, s);
    const what = filter.subjectId ? `subject ${filter.subjectId}` : `reference ${filter.reference}`;
    byId("sessions-caption").textContent =
      `Sessions of ${what}, page ${page + 1}` + (reply.sessions.length ? "" : ": none");
    byId<HTMLButtonElement>("prev-page").disabled = page === 0;
    byId<HTMLButtonElement>("next-page").disabled = !nextToken;
  } catch (err) {
    answer(out(), `Listing sessions failed: ${describe(err)}`, false);
  }
}

async function loadSubject(): Promise<void> {
  const panel = byId("subject-panel");
  panel.hidden = !filter?.subjectId;
  if (!filter?.subjectId) return;
  byId("subject-id").textContent = filter.subjectId;
  const state = byId("subject-state");
  try {
    const { subject } = await subjects.getSubject({ subjectId: filter.subjectId });
    if (!subject) return;
    const name = SubjectState[subject.state] ?? String(subject.state);
    const code = subject.errorCode ? `, error code ${subject.errorCode}` : "";
    state.textContent = `${name.toLowerCase()}${code}, ${subject.sessionCount} live session(s)`;
    state.dataset["state"] = name;
  } catch (err) {
    state.textContent = describe(err);
    state.dataset["state"] = "";
  }
}

function cell(text: string, cls?: string): HTMLTableCellElement {
  return el("td", cls ? { class: cls } : {}, text);
}

function row(s: Session): HTMLTableRowElement {
  const state = SessionState[s.state] ?? String(s.state);
  const live = LIVE_STATES.has(s.state);
  const tr = el("tr", {
    "data-session-id": s.sessionId,
    "data-state": state,
    class: live ? "" : "ended",
  });
  const actions = el("td", { class: "actions" });
  if (live) {
    const revoke = el("button", { type: "button", "aria-label": `Revoke session ${s.sessionId}` }, "Revoke");
    revoke.addEventListener("click", () => void revokeOne(s.sessionId));
    actions.append(revoke);
    if (s.subjectId) {
      const others = el(
        "button",
        { type: "button", "aria-label": `Revoke others: every session of ${s.subjectId} but ${s.sessionId}` },
        "Revoke others",
      );
      others.addEventListener("click", () => void revokeAllBut(s));
      actions.append(" ", others);
    }
  }
  tr.append(
    cell(state.toLowerCase(), "state"),
    cell(s.sessionId),
    cell(s.reference),
    cell(s.client?.userAgent ?? ""),
    cell(s.client?.ipAddress ?? ""),
    cell(s.client?.deviceName ?? ""),
    cell(time(s.createTime), "time"),
    cell(time(s.lastActiveTime), "time"),
    cell(time(s.expireTime), "time"),
    cell(s.endReason ? (EndReason[s.endReason] ?? "").toLowerCase().replaceAll("_", " ") : ""),
    cell(s.errorCode),
    actions,
  );
  return tr;
}

/** Puts `s` in its row if it is newer than what the row shows. */
function apply(s: Session, appear = false): void {
  const before = shown.get(s.sessionId);
  if (!before && !(appear && page === 0)) return;
  if (before && before.revision > s.revision) return;
  shown.set(s.sessionId, s);
  const next = row(s);
  next.classList.add("changed");
  const body = byId("sessions-body");
  const old = body.querySelector(`tr[data-session-id="${CSS.escape(s.sessionId)}"]`);
  if (old) old.replaceWith(next);
  else body.prepend(next);
}

function onEvent(ev: SessionEvent): void {
  const type = SessionEventType[ev.type] ?? String(ev.type);
  const s = ev.session;
  if (s) apply(s, ev.type === SessionEventType.CREATED);
  const feed = byId("event-feed");
  const text = `#${ev.revision} ${time(ev.occurTime)} ${type.toLowerCase()} ${s?.sessionId ?? ""}`;
  feed.prepend(el("li", { "data-type": type }, `${text} (${s?.subjectId ?? ""})`));
  while (feed.children.length > FEED_LENGTH) feed.lastElementChild?.remove();
  // The subject's count of live sessions changes with every start and end.
  if (ev.type !== SessionEventType.RENEWED && ev.type !== SessionEventType.METADATA_UPDATED) {
    void loadSubject();
  }
}

/** Asks, calls, and shows the server's answer, success or error by reason. */
async function act(question: string, call: () => Promise<string>): Promise<void> {
  if (!(await confirmAction(question))) {
    answer(out(), "Cancelled.", true);
    return;
  }
  try {
    answer(out(), await call(), true);
  } catch (err) {
    answer(out(), `Refused: ${describe(err)}`, false);
  }
  await loadSubject();
}

async function revokeOne(sessionId: string): Promise<void> {
  await act(`Revoke session ${sessionId}?`, async () => {
    const { session } = await sessions.revokeSession({ sessionId, reason: EndReason.ADMIN });
    if (session) apply(session);
    const state = session ? (SessionState[session.state] ?? "").toLowerCase() : "";
    return `Session ${sessionId} is ${state}.`;
  });
}

async function revokeAllBut(s: Session): Promise<void> {
  await act(`Revoke every session of ${s.subjectId} except ${s.sessionId}?`, async () => {
    const reply = await sessions.revokeSessions({
      subjectId: s.subjectId,
      exceptSessionId: s.sessionId,
      reason: EndReason.ADMIN,
    });
    return `Revoked ${reply.revokedCount} session(s) of ${s.subjectId}; kept ${s.sessionId}.`;
  });
}

async function revokeAll(): Promise<void> {
  const subjectId = filter?.subjectId;
  if (!subjectId) return;
  await act(`Revoke every session of ${subjectId}?`, async () => {
    const reply = await sessions.revokeSessions({ subjectId, reason: EndReason.ADMIN });
    return `Revoked ${reply.revokedCount} session(s) of ${subjectId}.`;
  });
}

async function terminate(): Promise<void> {
  const subjectId = filter?.subjectId;
  if (!subjectId) return;
  const reason = Number(byId<HTMLSelectElement>("terminate-reason").value) as TerminationReason;
  const errorCode = byId<HTMLInputElement>("terminate-code").value.trim();
  const why = (TerminationReason[reason] ?? "").toLowerCase();
  const code = errorCode ? ` with error code ${errorCode}` : "";
  await act(
    `Terminate ${subjectId} (${why})${code}? Every session ends and new ones are refused until reinstated.`,
    async () => {
      const reply = await subjects.terminateSubject({ subjectId, reason, errorCode });
      return `Terminated ${subjectId}: ${reply.terminatedCount} session(s) ended.`;
    },
  );
}

async function reinstate(): Promise<void> {
  const subjectId = filter?.subjectId;
  if (!subjectId) return;
  await act(`Reinstate ${subjectId}? New sessions are allowed again.`, async () => {
    await subjects.reinstateSubject({ subjectId });
    return `Reinstated ${subjectId}.`;
  });
}
