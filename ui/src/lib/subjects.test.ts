import { describe, expect, it } from "vitest";
import type { Project } from "./bindings/Project";
import { newShot } from "./model";
import {
  addSubject,
  cleanName,
  deleteSubject,
  nextSubjectName,
  renameSubject,
  replaceSubjectImages,
  shotSubjects,
  shotsUsing,
  toggleLink,
  unlink,
} from "./subjects";

function project(): Project {
  const shots = [newShot(0), newShot(1), newShot(2)];
  shots[0].subjects = ["mia"];
  shots[2].subjects = ["cup", "mia"];
  return {
    schema_version: 2,
    name: "P",
    shots,
    export: { preset: null, fit: "crop" },
    audio: [],
    subjects: [
      { id: "mia", name: "Mia", images: ["assets/mia1.png", "assets/mia2.png"] },
      { id: "cup", name: "Cup", images: ["assets/cup.png"] },
    ],
  };
}

describe("subjects", () => {
  it("looks a shot's subjects up by id, in its order, skipping dangling links", () => {
    const p = project();
    expect(shotSubjects(p, p.shots[2]).map((s) => s.name)).toEqual(["Cup", "Mia"]);
    p.shots[1].subjects = ["gone", "cup"];
    expect(shotSubjects(p, p.shots[1]).map((s) => s.name)).toEqual(["Cup"]);
    expect(shotSubjects(p, null)).toEqual([]);
    expect(shotsUsing(p, "mia")).toEqual([0, 2]);
    expect(shotsUsing(p, "nobody")).toEqual([]);
  });

  it("renaming or replacing pictures shows in every shot that uses the subject", () => {
    const p = project();
    renameSubject(p, "mia", "  Mia   Chen ");
    replaceSubjectImages(p, "mia", ["assets/new.png"]);
    for (const i of [0, 2]) {
      const mia = shotSubjects(p, p.shots[i]).find((s) => s.id === "mia");
      expect(mia?.name).toBe("Mia Chen");
      expect(mia?.images).toEqual(["assets/new.png"]);
    }
    // An empty name or an empty picture list changes nothing.
    renameSubject(p, "mia", "   ");
    replaceSubjectImages(p, "mia", []);
    expect(p.subjects[0]).toEqual({ id: "mia", name: "Mia Chen", images: ["assets/new.png"] });
  });

  it("deleting a subject unlinks it from every shot", () => {
    const p = project();
    deleteSubject(p, "mia");
    expect(p.subjects.map((s) => s.id)).toEqual(["cup"]);
    expect(p.shots.map((s) => s.subjects)).toEqual([[], [], ["cup"]]);
  });

  it("links and unlinks a subject to one shot only", () => {
    const p = project();
    toggleLink(p, 1, "mia");
    expect(p.shots[1].subjects).toEqual(["mia"]);
    expect(shotsUsing(p, "mia")).toEqual([0, 1, 2]);
    toggleLink(p, 1, "mia");
    expect(p.shots[1].subjects).toEqual([]);
    // A subject that is not in the library is never linked.
    toggleLink(p, 1, "ghost");
    expect(p.shots[1].subjects).toEqual([]);
    unlink(p, 2, "cup");
    expect(p.shots[2].subjects).toEqual(["mia"]);
  });

  it("names new subjects with the first free number", () => {
    const p = project();
    expect(nextSubjectName(p, "Subject")).toBe("Subject 1");
    addSubject(p, { id: "a", name: "Subject 1", images: [] });
    addSubject(p, { id: "b", name: "Subject 3", images: [] });
    expect(nextSubjectName(p, "Subject")).toBe("Subject 2");
    expect(cleanName(" a \n b ")).toBe("a b");
    expect(cleanName(" \t")).toBeNull();
  });
});
