// The carousel builder's pure parts: a carousel's checks before it is sent (the same as api/media/schemas.py
// CarouselIn and api/media/carousel.py: 2 to 20 slides, a one-line title of 1 to 120 characters, a body of at
// most 700, colours with a contrast of at least 3:1), moving slides, and the WCAG contrast ratio.

export interface Slide {
  /** A key that stays with the slide when it moves (React's key, the fields' ids). */
  id: string;
  title: string;
  body: string;
}

export interface Colours {
  background: string;
  text: string;
  accent: string;
}

export interface Carousel {
  title: string;
  slides: Slide[];
  colors: Colours;
}

export const MIN_SLIDES = 2;
export const MAX_SLIDES = 20;
export const SLIDE_TITLE_MAX = 120;
export const SLIDE_BODY_MAX = 700;
export const CAROUSEL_TITLE_MAX = 300;
export const MIN_CONTRAST = 3;
export const DEFAULT_COLOURS: Colours = { background: "#ffffff", text: "#1a1d24", accent: "#1f3a8a" };

const HEX = /^#[0-9a-f]{6}$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_LINE = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// Most emoji are not in DejaVu Sans, the carousel's font: the API refuses them rather than drawing boxes.
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

function luminance(hex: string): number {
  const channel = (offset: number): number => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The WCAG contrast ratio of two #rrggbb colours, 1 to 21. */
export function contrast(first: string, second: string): number {
  if (!HEX.test(first) || !HEX.test(second)) return 1;
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

export function newSlide(title = "", body = ""): Slide {
  return { id: typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : String(Math.random()), title, body };
}

/** The slides with the one at `from` moved to `to` (both clamped to the list). */
export function moveSlide(slides: Slide[], from: number, to: number): Slide[] {
  if (from < 0 || from >= slides.length) return slides;
  const target = Math.max(0, Math.min(slides.length - 1, to));
  if (target === from) return slides;
  const next = slides.slice();
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(target, 0, moved);
  return next;
}

function textProblem(text: string, field: string): string | null {
  if (PICTOGRAPH.test(text)) return `The ${field} has an emoji or symbol the carousel font cannot draw: remove it.`;
  return null;
}

/**
 * What keeps the carousel from being built, keyed as the API names its fields ("title", "slides",
 * "slides.0.title", "slides.0.body", "colors.text"); empty when it can be sent.
 */
export function carouselProblems(carousel: Carousel): Record<string, string> {
  const found: Record<string, string> = {};
  const title = carousel.title.trim();
  if (!title) found.title = "Give the carousel a title: LinkedIn shows it above the document.";
  else if (title.length > CAROUSEL_TITLE_MAX) found.title = `At most ${CAROUSEL_TITLE_MAX} characters; this has ${title.length}.`;
  else if (CONTROL_LINE.test(title)) found.title = "One line, without line breaks.";
  if (carousel.slides.length < MIN_SLIDES) found.slides = `A carousel has at least ${MIN_SLIDES} slides; add ${MIN_SLIDES - carousel.slides.length} more.`;
  if (carousel.slides.length > MAX_SLIDES) found.slides = `A carousel has at most ${MAX_SLIDES} slides; remove ${carousel.slides.length - MAX_SLIDES}.`;
  carousel.slides.forEach((slide, index) => {
    const slideTitle = slide.title.trim();
    const titleKey = `slides.${index}.title`;
    const bodyKey = `slides.${index}.body`;
    if (!slideTitle) found[titleKey] = "Give the slide a title: it is the large text of its page.";
    else if (slide.title.length > SLIDE_TITLE_MAX) found[titleKey] = `At most ${SLIDE_TITLE_MAX} characters; this has ${slide.title.length}.`;
    else if (CONTROL_LINE.test(slide.title)) found[titleKey] = "One line, without line breaks.";
    else {
      const problem = textProblem(slide.title, "title");
      if (problem) found[titleKey] = problem;
    }
    if (slide.body.length > SLIDE_BODY_MAX) found[bodyKey] = `At most ${SLIDE_BODY_MAX} characters; this has ${slide.body.length}.`;
    else if (CONTROL_TEXT.test(slide.body)) found[bodyKey] = "Only letters, line breaks and tabs: no other control characters.";
    else {
      const problem = textProblem(slide.body, "text");
      if (problem) found[bodyKey] = problem;
    }
  });
  const { background, text, accent } = carousel.colors;
  for (const [key, value] of [["colors.background", background], ["colors.text", text], ["colors.accent", accent]] as const) {
    if (!HEX.test(value)) found[key] = "A colour as #rrggbb, for example #1f3a8a.";
  }
  if (HEX.test(background) && HEX.test(text)) {
    const ratio = contrast(text, background);
    if (ratio < MIN_CONTRAST) {
      found["colors.text"] = `The text colour on the background has a contrast of ${ratio.toFixed(1)}:1; at least ${MIN_CONTRAST}:1 is needed to read it. Pick a darker or lighter one.`;
    }
  }
  return found;
}

/** The body sent to POST /api/media/carousels. */
export function carouselBody(carousel: Carousel): { title: string; slides: { title: string; body: string }[]; colors: Colours } {
  return {
    title: carousel.title.trim(),
    slides: carousel.slides.map((s) => ({ title: s.title.trim(), body: s.body.replace(/\s+$/, "") })),
    colors: { background: carousel.colors.background.toLowerCase(), text: carousel.colors.text.toLowerCase(), accent: carousel.colors.accent.toLowerCase() },
  };
}

/**
 * The API's field errors (keys as errors.ts makes them: "slides.0.title") mapped onto the slides the person
 * sees, by their ids, so an error follows its slide if it is moved before the next try.
 */
export function errorsBySlide(fields: Record<string, string>, slides: Slide[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [key, message] of Object.entries(fields)) {
    const match = /^slides\.(\d+)\.(title|body)$/.exec(key);
    const slide = match ? slides[Number(match[1])] : undefined;
    const sentence = message.charAt(0).toUpperCase() + message.slice(1);
    if (match && slide) found[`${slide.id}.${match[2]}`] = sentence;
    else found[key] = sentence;
  }
  return found;
}
