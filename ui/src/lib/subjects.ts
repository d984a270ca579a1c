// The subject library as pure changes to a project. Shots link to subjects by id and every
// name or picture shown for a shot is looked up here at display time, so renaming a subject
// or replacing its pictures shows everywhere at once, and deleting one unlinks it from every
// shot in the same edit (project.json never keeps a link to a subject that is gone).

import type { Project } from "./bindings/Project";
import type { Shot } from "./bindings/Shot";
import type { Subject } from "./bindings/Subject";

export function findSubject(project: Project, id: string): Subject | undefined {
  return project.subjects.find((s) => s.id === id);
}

/** The subjects a shot shows, in the order it links them (links to missing ones skipped). */
export function shotSubjects(project: Project, shot: Shot | null): Subject[] {
  if (!shot) return [];
  return shot.subjects.map((id) => findSubject(project, id)).filter((s): s is Subject => !!s);
}

/** Indices of the shots that show subject `id`. */
export function shotsUsing(project: Project, id: string): number[] {
  return project.shots.flatMap((s, i) => (s.subjects.includes(id) ? [i] : []));
}

/** `${base} N` with the smallest N no subject is named yet ("Subject 1", "Subject 2"...). */
export function nextSubjectName(project: Project, base: string): string {
  const taken = new Set(project.subjects.map((s) => s.name));
  for (let n = 1; ; n++) {
    const name = `${base} ${n}`;
    if (!taken.has(name)) return name;
  }
}

/** A name a creator typed, tidied; null when nothing is left (the old name stays). */
export function cleanName(name: string): string | null {
  const tidy = name.replace(/\s+/g, " ").trim();
  return tidy.length > 0 ? tidy : null;
}

export function addSubject(draft: Project, subject: Subject): void {
  draft.subjects.push(subject);
}

export function renameSubject(draft: Project, id: string, name: string): void {
  const subject = findSubject(draft, id);
  const clean = cleanName(name);
  if (subject && clean) subject.name = clean;
}

export function replaceSubjectImages(draft: Project, id: string, images: string[]): void {
  const subject = findSubject(draft, id);
  if (subject && images.length > 0) subject.images = [...images];
}

/** Removes the subject and every shot's link to it. */
export function deleteSubject(draft: Project, id: string): void {
  draft.subjects = draft.subjects.filter((s) => s.id !== id);
  for (const shot of draft.shots) shot.subjects = shot.subjects.filter((s) => s !== id);
}

/** Links subject `id` to shot `index`, or unlinks it when it is linked already. */
export function toggleLink(draft: Project, index: number, id: string): void {
  const shot = draft.shots[index];
  if (!shot || !findSubject(draft, id)) return;
  shot.subjects = shot.subjects.includes(id) ? shot.subjects.filter((s) => s !== id) : [...shot.subjects, id];
}

export function unlink(draft: Project, index: number, id: string): void {
  const shot = draft.shots[index];
  if (shot) shot.subjects = shot.subjects.filter((s) => s !== id);
}
