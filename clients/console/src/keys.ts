// The API keys page: the tenant's keys, a new key (shown once, then gone
// from the page), revoke.
import type { ApiKey } from "../../typescript/src/gen/sessionauthority/v1/api_key_service_pb.js";
import { apiKeys, describe } from "./api.js";
import { answer, byId, confirmAction, el, time } from "./dom.js";

const SCOPES = [
  "console",
  "sessions.write",
  "sessions.read",
  "sessions.validate",
  "sessions.watch",
  "subjects.admin",
  "*",
];

let callerKeyId = "";

export function setUp(): void {
  const choices = byId("scope-choices");
  for (const scope of SCOPES) {
    const id = `scope-${scope === "*" ? "all" : scope.replace(".", "-")}`;
    const box = el("input", { type: "checkbox", id, value: scope });
    choices.append(el("span", {}, box, " ", el("label", { for: id }, scope === "*" ? "* (every scope)" : scope)));
  }
  byId<HTMLFormElement>("create-key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void create();
  });
  byId("new-key-done").addEventListener("click", hideNewKey);
}

export function hideNewKey(): void {
  byId("new-key-value").textContent = "";
  byId("new-key").hidden = true;
}

export async function load(): Promise<void> {
  const out = byId("keys-answer");
  try {
    const reply = await apiKeys.listApiKeys({});
    callerKeyId = reply.callerKeyId;
    byId("keys-body").replaceChildren(...reply.apiKeys.map(row));
  } catch (err) {
    answer(out, `Listing keys failed: ${describe(err)}`, false);
  }
}

function row(k: ApiKey): HTMLTableRowElement {
  const revoked = k.revokeTime !== undefined;
  const actions = el("td", { class: "actions" });
  if (!revoked) {
    const label = k.keyId === callerKeyId ? "Revoke (this console's key)" : "Revoke";
    const button = el("button", { type: "button", "aria-label": `Revoke key ${k.keyId}` }, label);
    button.addEventListener("click", () => void revoke(k.keyId));
    actions.append(button);
  }
  return el(
    "tr",
    { "data-key-id": k.keyId, "data-state": revoked ? "revoked" : "active" },
    el("td", {}, k.keyId),
    el("td", {}, k.scopes.join(" ")),
    el("td", {}, time(k.createTime)),
    el("td", {}, revoked ? `revoked ${time(k.revokeTime)}` : "active"),
    actions,
  );
}

async function create(): Promise<void> {
  const out = byId("keys-answer");
  const scopes = [...byId("scope-choices").querySelectorAll<HTMLInputElement>("input:checked")].map(
    (box) => box.value,
  );
  if (scopes.length === 0) {
    answer(out, "Pick at least one scope.", false);
    return;
  }
  if (!(await confirmAction(`Create a key with scopes ${scopes.join(" ")}?`))) {
    answer(out, "Cancelled.", true);
    return;
  }
  try {
    const reply = await apiKeys.createApiKey({ scopes });
    byId("new-key-value").textContent = reply.key;
    byId("new-key").hidden = false;
    answer(out, `Created ${reply.apiKey?.keyId ?? ""} with scopes ${scopes.join(" ")}.`, true);
    byId("new-key-done").focus();
  } catch (err) {
    answer(out, `Refused: ${describe(err)}`, false);
  }
  await load();
}

async function revoke(keyId: string): Promise<void> {
  const out = byId("keys-answer");
  const own = keyId === callerKeyId ? " This console signed in with it and will stop working." : "";
  if (!(await confirmAction(`Revoke key ${keyId}? Every server refuses it within 5 s.${own}`))) {
    answer(out, "Cancelled.", true);
    return;
  }
  try {
    const reply = await apiKeys.revokeApiKey({ keyId });
    answer(out, `Revoked ${reply.apiKey?.keyId ?? keyId}.`, true);
  } catch (err) {
    answer(out, `Refused: ${describe(err)}`, false);
  }
  await load();
}
