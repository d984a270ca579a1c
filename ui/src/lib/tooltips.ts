// A tooltip explains a control before it is used: pressing the control hides its tip until
// the pointer leaves it, so a tip never stays over what the click changed.

export function installTooltipDismissal(root: Document = document): () => void {
  const off = (e: Event) => {
    const el = (e.target as Element | null)?.closest?.(".has-tip");
    if (!el) return;
    el.classList.add("tip-off");
    el.addEventListener("pointerleave", () => el.classList.remove("tip-off"), { once: true });
  };
  root.addEventListener("pointerdown", off, true);
  return () => root.removeEventListener("pointerdown", off, true);
}
