// The platforms' media rules in the browser, so a person learns them before the API refuses: the same numbers
// as api/media/limits.py (X: up to 4 images a post, or 1 animated GIF alone, no documents; LinkedIn: 1 to 20
// images, or exactly one document with a title, never both) and the same checks as api/content/attachments.py.
// The API stays the judge: its 422 is shown where it points when these words missed something.
import type { Schemas } from "../../api/client";

export type Platform = "twitter" | "linkedin";
export type Media = Schemas["MediaOut"];
export type Attachment = Schemas["AttachmentOut"];

/** What the rules need to know of a file: an asset of the library or one already attached. */
export interface MediaFacts {
  kind: string;
  mime_type: string;
  byte_size: number;
  width: number | null;
  height: number | null;
  frames: number | null;
  pages: number | null;
  title: string | null;
}

export const MB = 1_000_000;
export const ALT_TEXT_MAX = 1000;
export const TITLE_MAX = 300;
export const LIBRARY_IMAGE_MAX_BYTES = 15 * MB;
export const LIBRARY_DOCUMENT_MAX_BYTES = 100 * MB;
export const DOCUMENT_MAX_PAGES = 300;

const FORMAT_NAMES: Record<string, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/gif": "GIF",
  "image/webp": "WebP",
  "application/pdf": "PDF",
};

export interface PlatformMedia {
  name: string;
  imageTypes: string[];
  imageMaxBytes: number;
  gifMaxBytes: number;
  imagesPerPost: number;
  animatedGifAlone: boolean;
  gifMaxFrames: number | null;
  imageMaxPixels: number | null;
  documents: boolean;
  documentMaxBytes: number;
  documentMaxPages: number;
}

export const PLATFORM_MEDIA: Record<Platform, PlatformMedia> = {
  twitter: {
    name: "X",
    imageTypes: ["image/jpeg", "image/png", "image/gif", "image/webp"],
    imageMaxBytes: 5 * MB,
    gifMaxBytes: 15 * MB,
    imagesPerPost: 4,
    animatedGifAlone: true,
    gifMaxFrames: null,
    imageMaxPixels: null,
    documents: false,
    documentMaxBytes: 0,
    documentMaxPages: 0,
  },
  linkedin: {
    name: "LinkedIn",
    imageTypes: ["image/jpeg", "image/png", "image/gif"],
    imageMaxBytes: LIBRARY_IMAGE_MAX_BYTES,
    gifMaxBytes: LIBRARY_IMAGE_MAX_BYTES,
    imagesPerPost: 20,
    animatedGifAlone: false,
    gifMaxFrames: 250,
    imageMaxPixels: 36_152_320,
    documents: true,
    documentMaxBytes: LIBRARY_DOCUMENT_MAX_BYTES,
    documentMaxPages: DOCUMENT_MAX_PAGES,
  },
};

export function platformName(platform: Platform): string {
  return PLATFORM_MEDIA[platform].name;
}

export function formatName(mime: string): string {
  return FORMAT_NAMES[mime] ?? mime;
}

/** `5000000` -> "5 MB", `15728640` -> "15.7 MB" (decimal megabytes, as the platforms write them). */
export function megabytes(bytes: number): string {
  const value = bytes / MB;
  return Number.isInteger(value) ? `${value} MB` : `${value.toFixed(1)} MB`;
}

/** A file's size for people: "812 bytes", "34 KB", "2.4 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < MB) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** "Image · PNG · 34 KB · 640 × 480 px", "Document · PDF · 3 pages · 120 KB". */
export function describe(media: MediaFacts): string {
  const bits: string[] = [media.kind === "document" ? "Document" : "Image", formatName(media.mime_type)];
  if (media.kind === "document") {
    if (media.pages) bits.push(media.pages === 1 ? "1 page" : `${media.pages} pages`);
  } else {
    if (media.width && media.height) bits.push(`${media.width} × ${media.height} px`);
    if ((media.frames ?? 1) > 1) bits.push(`animated, ${media.frames} frames`);
  }
  bits.push(formatBytes(media.byte_size));
  return bits.join(" · ");
}

function animated(media: MediaFacts): boolean {
  return media.mime_type === "image/gif" && (media.frames ?? 1) > 1;
}

/** What keeps one file from a post on the platform, in sentences; empty when it fits (limits.file_problems). */
export function fileProblems(platform: Platform, media: MediaFacts): string[] {
  const rules = PLATFORM_MEDIA[platform];
  const name = rules.name;
  if (media.kind === "document") {
    if (!rules.documents) return [`${name} takes no documents in posts.`];
    const found: string[] = [];
    if (media.byte_size > rules.documentMaxBytes) {
      found.push(`The document is ${megabytes(media.byte_size)}; ${name} takes documents up to ${megabytes(rules.documentMaxBytes)}.`);
    }
    if (media.pages !== null && media.pages > rules.documentMaxPages) {
      found.push(`The document has ${media.pages} pages; ${name} takes at most ${rules.documentMaxPages}.`);
    }
    return found;
  }
  const format = formatName(media.mime_type);
  if (!rules.imageTypes.includes(media.mime_type)) {
    return [`${name} takes ${rules.imageTypes.map(formatName).join(", ")} images, not ${format}.`];
  }
  const found: string[] = [];
  const gif = media.mime_type === "image/gif";
  const limit = gif ? rules.gifMaxBytes : rules.imageMaxBytes;
  if (media.byte_size > limit) {
    found.push(`The ${format} is ${megabytes(media.byte_size)}; ${name} takes ${gif ? "GIF" : "image"}s up to ${megabytes(limit)}.`);
  }
  if (gif && rules.gifMaxFrames !== null && (media.frames ?? 1) > rules.gifMaxFrames) {
    found.push(`The GIF has ${media.frames} frames; ${name} takes at most ${rules.gifMaxFrames}.`);
  }
  if (rules.imageMaxPixels !== null && media.width && media.height && media.width * media.height >= rules.imageMaxPixels) {
    found.push(`The image is ${(media.width * media.height).toLocaleString("en-US")} pixels; ${name} takes fewer than ${rules.imageMaxPixels.toLocaleString("en-US")}.`);
  }
  return found;
}

/** The rules of one post on the platform, in a few sentences, shown before anything is attached. */
export function rulesSentences(platform: Platform, thread: boolean): string[] {
  if (platform === "twitter") {
    return [
      `X takes up to 4 images in ${thread ? "each post of a thread" : "a post"} (JPEG, PNG, GIF or WebP; 5 MB each, GIFs 15 MB), or one animated GIF alone.`,
      "X takes no PDF documents: carousels are for LinkedIn.",
    ];
  }
  return [
    "LinkedIn takes one image, 2 to 20 images (shown as a multi-image post; JPEG, PNG or GIF), or exactly one PDF document with a title (shown as a swipeable carousel).",
    "Images and a document cannot go in the same post.",
  ];
}

export interface Item {
  part: number;
  media: MediaFacts;
}

/**
 * Every rule the attachments break on the platform, keyed by the item's index (-1: the whole list), as the
 * API's attachments rules would say it. `parts`: how many posts the draft is (a thread's, else 1).
 */
export function attachmentProblems(platform: Platform, parts: number, items: Item[]): Map<number, string[]> {
  const rules = PLATFORM_MEDIA[platform];
  const name = rules.name;
  const found = new Map<number, string[]>();
  const add = (index: number, message: string): void => {
    found.set(index, [...(found.get(index) ?? []), message]);
  };
  const byPart = new Map<number, number[]>();
  items.forEach((item, index) => {
    if (item.part >= parts) {
      add(index, parts === 1
        ? `The draft is a single post now: this goes with post ${item.part + 1}, which no longer exists. Move it to the post, or remove it.`
        : `The thread has ${parts} posts now: post ${item.part + 1} no longer exists. Move it to another post, or remove it.`);
      return;
    }
    for (const problem of fileProblems(platform, item.media)) add(index, problem);
    byPart.set(item.part, [...(byPart.get(item.part) ?? []), index]);
  });
  for (const [part, indexes] of byPart) {
    const where = parts > 1 ? `post ${part + 1}` : "the post";
    const images = indexes.filter((i) => items[i]?.media.kind === "image");
    const documents = indexes.filter((i) => items[i]?.media.kind === "document");
    if (rules.documents && documents.length) {
      if (images.length) add(documents[0] ?? 0, `${name} takes images or one document in a post, not both: ${where} has ${images.length} image${images.length === 1 ? "" : "s"} and a document.`);
      for (const index of documents.slice(1)) add(index, `${name} takes one document per post; ${where} has ${documents.length}.`);
      const first = documents[0];
      if (first !== undefined && !(items[first]?.media.title ?? "").trim()) {
        add(first, `A ${name} document post needs a title: give the document one in the media library.`);
      }
    }
    if (images.length > rules.imagesPerPost) {
      add(images[rules.imagesPerPost] ?? 0, `${name} takes at most ${rules.imagesPerPost} images per post; ${where} has ${images.length}.`);
    }
    if (rules.animatedGifAlone && indexes.length > 1) {
      for (const index of indexes) {
        const media = items[index]?.media;
        if (media && animated(media)) add(index, `An animated GIF must be the only media of its post on ${name}; ${where} has ${indexes.length}.`);
      }
    }
  }
  return found;
}

/**
 * Why `candidate` cannot join `current` (the items already in that post) on the platform, or null when it can.
 * The library picker greys out what would be refused, with this sentence beside it.
 */
export function cannotAdd(platform: Platform, current: MediaFacts[], candidate: MediaFacts): string | null {
  const rules = PLATFORM_MEDIA[platform];
  const name = rules.name;
  const own = fileProblems(platform, candidate);
  if (own.length) return own.join(" ");
  const images = current.filter((m) => m.kind === "image").length;
  const documents = current.filter((m) => m.kind === "document").length;
  if (candidate.kind === "document") {
    if (documents) return `${name} takes one document per post, and this post has one.`;
    if (images) return `${name} takes images or one document in a post, not both: remove the images first.`;
    if (!(candidate.title ?? "").trim()) return `A ${name} document needs a title: give it one in the media library.`;
    return null;
  }
  if (documents) return `${name} takes images or one document in a post, not both: this post has a document.`;
  if (images >= rules.imagesPerPost) return `${name} takes at most ${rules.imagesPerPost} images per post; this one is full.`;
  if (rules.animatedGifAlone && current.length && (animated(candidate) || current.some(animated))) {
    return `An animated GIF must be the only media of its post on ${name}.`;
  }
  return null;
}

/** The file's kind as its name and declared type suggest (the API decides from the content). */
export function guessKind(file: { name: string; type: string }): "image" | "document" | "unknown" {
  const type = file.type.toLowerCase();
  const extension = file.name.toLowerCase().split(".").pop() ?? "";
  if (type === "application/pdf" || extension === "pdf") return "document";
  if (type.startsWith("image/") || ["png", "jpg", "jpeg", "gif", "webp"].includes(extension)) return "image";
  return "unknown";
}

/** Refused before sending: a file over the library's ceiling for its kind, or an empty one. */
export function tooLarge(file: { name: string; type: string; size: number }): string | null {
  if (file.size === 0) return "The file is empty.";
  const kind = guessKind(file);
  const limit = kind === "document" ? LIBRARY_DOCUMENT_MAX_BYTES : LIBRARY_IMAGE_MAX_BYTES;
  if (kind !== "unknown" && file.size > limit) {
    return `The file is ${megabytes(file.size)}; the library takes ${kind === "document" ? "PDF documents" : "images"} up to ${megabytes(limit)}.`;
  }
  return null;
}

/**
 * The API's 422 on a draft's attachments (errors.ts's fields: "items.2.media_id", "items.0.part", "items") as
 * sentences at each item by its index, and those about the whole list.
 */
export function itemErrors(fields: Record<string, string>): { at: Map<number, string>; list: string[] } {
  const at = new Map<number, string>();
  const list: string[] = [];
  for (const [key, message] of Object.entries(fields)) {
    const match = /^items\.(\d+)(\.|$)/.exec(key);
    if (!match) {
      list.push(message);
      continue;
    }
    const index = Number(match[1]);
    at.set(index, [at.get(index), message].filter(Boolean).join(" "));
  }
  return { at, list };
}
