// How a platform lays out a post's media, for the editor's preview: X shows 1 to 4 images in a grid (one
// wide; two side by side; one tall beside two; two by two); LinkedIn shows one image, a multi-image post (two
// side by side; one wide over two or three; from five on two over three, the last with "+N"), or a document
// as its first page under its title with the page count.
import type { Platform } from "./rules";

export interface LaidOut {
  /** One of the item's index in the list given, drawn in the cell. */
  index: number;
  /** The cell's CSS class, naming its place in the grid. */
  cell: string;
}

export type Layout =
  | { kind: "none" }
  | { kind: "document"; index: number; ignored: number }
  | { kind: "images"; grid: string; cells: LaidOut[]; more: number; ignored: number };

interface Kinded {
  kind: string;
}

/** The layout of one post's media (in order) on the platform. */
export function layoutFor(platform: Platform, items: Kinded[]): Layout {
  if (!items.length) return { kind: "none" };
  const images = items.map((item, index) => ({ item, index })).filter((e) => e.item.kind === "image");
  const documentAt = items.findIndex((item) => item.kind === "document");
  if (platform === "linkedin" && documentAt >= 0) {
    // LinkedIn shows the document; anything beside it would be refused, so the preview leaves it out.
    return { kind: "document", index: documentAt, ignored: items.length - 1 };
  }
  const ignored = items.length - images.length; // documents on X
  if (!images.length) return { kind: "none" };
  if (platform === "twitter") {
    const shown = images.slice(0, 4);
    const count = shown.length;
    const places = [["one"], ["left", "right"], ["tall", "top-right", "bottom-right"], ["a", "b", "c", "d"]][count - 1] ?? [];
    return {
      kind: "images",
      grid: `x-grid x-grid-${count}`,
      cells: shown.map((e, i) => ({ index: e.index, cell: `cell-${places[i] ?? "a"}` })),
      more: 0,
      ignored: ignored + (images.length - shown.length),
    };
  }
  const count = images.length;
  const shownCount = Math.min(count, 5);
  const shown = images.slice(0, shownCount);
  const grid = count === 1 ? "li-grid li-grid-1" : count === 2 ? "li-grid li-grid-2" : count === 3 ? "li-grid li-grid-3" : count === 4 ? "li-grid li-grid-4" : "li-grid li-grid-5";
  return {
    kind: "images",
    grid,
    cells: shown.map((e, i) => ({ index: e.index, cell: `cell-${i + 1}` })),
    more: count - shownCount,
    ignored,
  };
}

/** The layout in words, for the preview's screen-reader text and its caption. */
export function layoutWords(platform: Platform, layout: Layout, pages?: number | null): string {
  if (layout.kind === "none") return "No media.";
  if (layout.kind === "document") {
    return `A document shown as a swipeable carousel${pages ? ` of ${pages} page${pages === 1 ? "" : "s"}` : ""}.`;
  }
  const count = layout.cells.length + layout.more;
  if (count === 1) return "One image, full width.";
  if (platform === "twitter") return `${count} images in a grid.`;
  return `A multi-image post of ${count} images${layout.more ? `, ${layout.cells.length} shown and "+${layout.more}" on the last` : ""}.`;
}
