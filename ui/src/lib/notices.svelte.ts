// Toasts: short messages in the stage's top-right corner. Errors stay until dismissed.

export type NoticeKind = "info" | "success" | "warning" | "error";

/** A button on a notice: the choice a message offers (e.g. "Import anyway"). */
export interface NoticeAction {
  label: string;
  run: () => void;
}

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
  action?: NoticeAction;
}

let list = $state<Notice[]>([]);
let nextId = 1;
// Timers are bookkeeping, not UI state: a plain Map on purpose.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const timers = new Map<number, ReturnType<typeof setTimeout>>();

const DEFAULT_TTL: Record<NoticeKind, number> = { info: 4000, success: 5000, warning: 6000, error: 0 };

export const notices = {
  get list(): readonly Notice[] {
    return list;
  },

  /** Shows a notice; the same text shown again replaces the old one. ttl 0 = until dismissed. */
  push(kind: NoticeKind, text: string, ttl = DEFAULT_TTL[kind], action?: NoticeAction): number {
    for (const n of list) if (n.text === text) this.dismiss(n.id);
    const id = nextId++;
    list = [...list.slice(-4), action ? { id, kind, text, action } : { id, kind, text }];
    if (ttl > 0) timers.set(id, setTimeout(() => this.dismiss(id), ttl));
    return id;
  },

  dismiss(id: number): void {
    const timer = timers.get(id);
    if (timer) clearTimeout(timer);
    timers.delete(id);
    list = list.filter((n) => n.id !== id);
  },

  clear(): void {
    for (const n of list) this.dismiss(n.id);
  },
};
