// Sign-in and navigation. Sign-in calls ListApiKeys, which needs the
// `console` scope (or `*`): a key that works elsewhere but lacks it is told
// so here, before any page tries to use it.
import { Code, ConnectError, apiKeys, describe, storeKey, storedKey } from "./api.js";
import { byId } from "./dom.js";
import * as keys from "./keys.js";
import * as sessionsPage from "./sessions.js";

type View = "sign-in" | "sessions" | "keys";

function show(view: View): void {
  byId("sign-in-view").hidden = view !== "sign-in";
  byId("sessions-view").hidden = view !== "sessions";
  byId("keys-view").hidden = view !== "keys";
  byId("nav").hidden = view === "sign-in";
  for (const [id, v] of [["nav-sessions", "sessions"], ["nav-keys", "keys"]] as const) {
    if (v === view) byId(id).setAttribute("aria-current", "page");
    else byId(id).removeAttribute("aria-current");
  }
}

function refusal(err: unknown): string {
  if (err instanceof ConnectError && err.code === Code.PermissionDenied) {
    return "This API key lacks the console scope. Sign in with a key made with --scope console (or *).";
  }
  if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
    return "This API key is not valid (unknown or revoked).";
  }
  return `Sign-in failed: ${describe(err)}`;
}

async function signIn(key: string): Promise<boolean> {
  const error = byId("sign-in-error");
  storeKey(key);
  try {
    const reply = await apiKeys.listApiKeys({});
    byId("who").textContent = `tenant ${reply.tenant}` + (reply.callerKeyId ? `, key ${reply.callerKeyId}` : "");
    error.textContent = "";
    show("sessions");
    byId("search-subject").focus();
    return true;
  } catch (err) {
    storeKey("");
    error.textContent = refusal(err);
    show("sign-in");
    return false;
  }
}

function signOut(): void {
  sessionsPage.stopLive();
  keys.hideNewKey();
  storeKey("");
  byId("sessions-body").replaceChildren();
  byId("event-feed").replaceChildren();
  byId("keys-body").replaceChildren();
  show("sign-in");
  byId("api-key").focus();
}

function start(): void {
  sessionsPage.setUp();
  keys.setUp();
  byId<HTMLFormElement>("sign-in-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("api-key");
    const key = input.value.trim();
    // The key is never shown again, not even in the field it was typed in.
    input.value = "";
    void signIn(key);
  });
  byId("sign-out").addEventListener("click", signOut);
  byId("nav-sessions").addEventListener("click", () => show("sessions"));
  byId("nav-keys").addEventListener("click", () => {
    show("keys");
    void keys.load();
  });
  const saved = storedKey();
  if (saved) void signIn(saved);
  else show("sign-in");
}

start();
