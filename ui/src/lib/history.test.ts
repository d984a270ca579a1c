import { describe, expect, it } from "vitest";
import { History } from "./history";

interface Doc {
  n: number;
  list: number[];
}

const doc = (n: number, list: number[] = []): Doc => ({ n, list });

describe("History", () => {
  it("undoes and redoes pushed states in order", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1));
    h.push(doc(2));
    expect(h.present).toEqual(doc(2));
    expect(h.undo()).toEqual(doc(1));
    expect(h.undo()).toEqual(doc(0));
    expect(h.undo()).toBeNull();
    expect(h.canUndo).toBe(false);
    expect(h.redo()).toEqual(doc(1));
    expect(h.redo()).toEqual(doc(2));
    expect(h.redo()).toBeNull();
    expect(h.canRedo).toBe(false);
  });

  it("clears redo after a new edit", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1));
    h.push(doc(2));
    h.undo();
    expect(h.canRedo).toBe(true);
    h.push(doc(3));
    expect(h.canRedo).toBe(false);
    expect(h.redo()).toBeNull();
    expect(h.undo()).toEqual(doc(1));
  });

  it("keeps snapshots: later mutation of pushed or returned objects changes nothing", () => {
    const h = new History<Doc>(doc(0));
    const d = doc(1, [1]);
    h.push(d);
    d.list.push(99);
    expect(h.present.list).toEqual([1]);
    const p = h.present;
    p.list.push(5);
    expect(h.present.list).toEqual([1]);
    const u = h.undo()!;
    u.n = 42;
    expect(h.redo()).toEqual(doc(1, [1]));
    expect(h.undo()).toEqual(doc(0));
  });

  it("collapses a continuous gesture into one undo step", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1));
    for (let i = 2; i <= 10; i++) h.push(doc(i), "drag-1");
    expect(h.undoDepth).toBe(2);
    expect(h.present).toEqual(doc(10));
    expect(h.undo()).toEqual(doc(1));
    expect(h.redo()).toEqual(doc(10));
  });

  it("starts a new step after seal(), even with the same key", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1), "slider");
    h.push(doc(2), "slider");
    h.seal();
    h.push(doc(3), "slider");
    h.push(doc(4), "slider");
    expect(h.undo()).toEqual(doc(2));
    expect(h.undo()).toEqual(doc(0));
  });

  it("does not collapse different keys or unkeyed pushes", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1), "a");
    h.push(doc(2), "b");
    h.push(doc(3));
    h.push(doc(4));
    expect(h.undoDepth).toBe(4);
  });

  it("does not collapse across an undo", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1), "k");
    h.push(doc(2), "k");
    h.undo();
    h.push(doc(3), "k");
    expect(h.undo()).toEqual(doc(0));
  });

  it("tracks the saved state to know what is unsaved", () => {
    const h = new History<Doc>(doc(0));
    expect(h.dirty).toBe(false);
    h.push(doc(1));
    expect(h.dirty).toBe(true);
    h.markSaved();
    expect(h.dirty).toBe(false);
    h.push(doc(2));
    expect(h.dirty).toBe(true);
    h.undo();
    expect(h.dirty).toBe(false);
    h.undo();
    expect(h.dirty).toBe(true);
  });

  it("resets to a new state, optionally as unsaved (recovered)", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1));
    h.reset(doc(7));
    expect(h.canUndo).toBe(false);
    expect(h.canRedo).toBe(false);
    expect(h.dirty).toBe(false);
    expect(h.present).toEqual(doc(7));
    h.reset(doc(8), true);
    expect(h.dirty).toBe(true);
  });

  it("replaces the present without an undo step", () => {
    const h = new History<Doc>(doc(0));
    h.push(doc(1));
    h.markSaved();
    h.replacePresent(doc(1, [9]));
    expect(h.dirty).toBe(false);
    expect(h.undoDepth).toBe(1);
    expect(h.present).toEqual(doc(1, [9]));
  });

  it("drops the oldest steps beyond the limit", () => {
    const h = new History<Doc>(doc(0), { limit: 3 });
    for (let i = 1; i <= 10; i++) h.push(doc(i));
    expect(h.undoDepth).toBe(3);
    h.undo();
    h.undo();
    expect(h.undo()).toEqual(doc(7));
    expect(h.undo()).toBeNull();
  });
});
