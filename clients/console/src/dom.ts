// Small DOM helpers: elements by id, text-only building (no innerHTML, so
// no value from the server is ever parsed as markup), a confirmation dialog.
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id} in the page`);
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value !== undefined) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

export function time(ts: Timestamp | undefined): string {
  if (!ts) return "";
  return timestampDate(ts).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

/** Shows `text` in the modal dialog; resolves true on Confirm, false on Cancel or Escape. */
export function confirmAction(text: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("confirm");
  byId("confirm-text").textContent = text;
  const ok = byId<HTMLButtonElement>("confirm-ok");
  const cancel = byId<HTMLButtonElement>("confirm-cancel");
  const opener = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      ok.removeEventListener("click", yes);
      cancel.removeEventListener("click", no);
      dialog.removeEventListener("cancel", no);
      dialog.close();
      opener?.focus();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    ok.addEventListener("click", yes);
    cancel.addEventListener("click", no);
    dialog.addEventListener("cancel", no);
    dialog.showModal();
    cancel.focus();
  });
}

/** The server's answer to the last action, success or error. */
export function answer(target: HTMLElement, text: string, ok: boolean): void {
  target.textContent = text;
  target.className = ok ? "ok" : "error";
}
