// A template's {placeholders}: found, named for people, filled, and matched to the API's 422.

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** The placeholders of a text, each once, in the order they first appear (as the API finds them). */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))];
}

/** "common_belief" -> "Common belief". */
export function humanise(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export type Piece = { kind: "text"; text: string } | { kind: "slot"; name: string; value: string };

/** The text cut into literal runs and placeholders with their values (trimmed; "" when not filled yet). */
export function pieces(text: string, values: Record<string, string>): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const start = match.index ?? 0;
    if (start > at) out.push({ kind: "text", text: text.slice(at, start) });
    const name = match[1] ?? "";
    out.push({ kind: "slot", name, value: (values[name] ?? "").trim() });
    at = start + match[0].length;
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}

/** The filled text in one pass (braces typed in a value stay as typed); unfilled placeholders stay {name}. */
export function fill(text: string, values: Record<string, string>): string {
  return pieces(text, values)
    .map((p) => (p.kind === "text" ? p.text : p.value || `{${p.name}}`))
    .join("");
}

/** The placeholders still empty. */
export function missing(text: string, values: Record<string, string>): string[] {
  return placeholdersOf(text).filter((name) => !(values[name] ?? "").trim());
}

/** Only the template's own placeholders, trimmed (the API refuses unknown names). */
export function valuesFor(text: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(placeholdersOf(text).map((name) => [name, (values[name] ?? "").trim()]));
}

/**
 * The API's 422 ("missing values for placeholders: a, b; values longer than 3000 characters: c") as an error
 * per placeholder, so each shows at its field.
 */
export function errorsFromDetail(detail: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of detail.split(";")) {
    const match = /^\s*(missing values for placeholders|values longer than (\d+) characters)\s*:\s*(.+)$/i.exec(part);
    if (!match) continue;
    const names = (match[3] ?? "").split(",").map((n) => n.trim()).filter(Boolean);
    for (const name of names) {
      out[name] = match[2] ? `Too long: at most ${match[2]} characters.` : "Fill this in: the template needs it.";
    }
  }
  return out;
}

export const CATEGORIES: Record<string, string> = {
  thought_leadership: "Thought leadership",
  milestone: "Milestone",
  lesson_learned: "Lesson learned",
  how_to: "How-to",
  announcement: "Announcement",
  question: "Question",
  story: "Story",
  hiring: "Hiring",
  event_recap: "Event recap",
  case_study: "Case study",
};

export function categoryName(category: string): string {
  return CATEGORIES[category] ?? humanise(category);
}
