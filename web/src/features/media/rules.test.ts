import { describe, expect, it } from "vitest";
import { layoutFor, layoutWords } from "./layout";
import { attachmentProblems, cannotAdd, itemErrors, describe as describeMedia, fileProblems, formatBytes, guessKind, rulesSentences, tooLarge, type MediaFacts } from "./rules";

const png = (over: Partial<MediaFacts> = {}): MediaFacts => ({
  kind: "image", mime_type: "image/png", byte_size: 40_000, width: 640, height: 480, frames: 1, pages: null, title: null, ...over,
});
const pdf = (over: Partial<MediaFacts> = {}): MediaFacts => ({
  kind: "document", mime_type: "application/pdf", byte_size: 120_000, width: 1080, height: 1080, frames: null, pages: 3, title: "Five lessons", ...over,
});
const gif = (frames: number): MediaFacts => png({ mime_type: "image/gif", frames });

describe("the rules in words", () => {
  it("says X's and LinkedIn's rules before anything is attached", () => {
    expect(rulesSentences("twitter", false).join(" ")).toMatch(/up to 4 images in a post.*no PDF/);
    expect(rulesSentences("twitter", true)[0]).toContain("each post of a thread");
    expect(rulesSentences("linkedin", false).join(" ")).toMatch(/2 to 20 images.*exactly one PDF document with a title.*cannot go in the same post/);
  });

  it("describes a file by kind, dimensions or pages, and size", () => {
    expect(describeMedia(png())).toBe("Image · PNG · 640 × 480 px · 40 KB");
    expect(describeMedia(pdf())).toBe("Document · PDF · 3 pages · 120 KB");
    expect(describeMedia(gif(12))).toContain("animated, 12 frames");
    expect(formatBytes(812)).toBe("812 bytes");
    expect(formatBytes(2_400_000)).toBe("2.4 MB");
  });
});

describe("one file on a platform", () => {
  it("fits, or names the limit it breaks", () => {
    expect(fileProblems("twitter", png())).toEqual([]);
    expect(fileProblems("twitter", pdf())).toEqual(["X takes no documents in posts."]);
    expect(fileProblems("twitter", png({ byte_size: 6_000_000 }))).toEqual(["The PNG is 6 MB; X takes images up to 5 MB."]);
    expect(fileProblems("twitter", gif(3))).toEqual([]);
    expect(fileProblems("linkedin", png({ mime_type: "image/webp" }))).toEqual(["LinkedIn takes JPEG, PNG, GIF images, not WebP."]);
    expect(fileProblems("linkedin", gif(300))).toEqual(["The GIF has 300 frames; LinkedIn takes at most 250."]);
    expect(fileProblems("linkedin", pdf({ pages: 301 }))).toEqual(["The document has 301 pages; LinkedIn takes at most 300."]);
    expect(fileProblems("linkedin", png({ width: 8000, height: 5000 }))[0]).toMatch(/40,000,000 pixels; LinkedIn takes fewer than 36,152,320/);
  });
});

describe("attachments together", () => {
  it("takes up to 4 images in each post of an X thread", () => {
    const items = [0, 0, 0, 0, 1].map((part) => ({ part, media: png() }));
    expect(attachmentProblems("twitter", 2, items).size).toBe(0);
    const five = [0, 0, 0, 0, 0].map((part) => ({ part, media: png() }));
    expect(attachmentProblems("twitter", 1, five).get(4)).toEqual(["X takes at most 4 images per post; the post has 5."]);
  });

  it("says when a post of the thread is gone", () => {
    const problems = attachmentProblems("twitter", 2, [{ part: 2, media: png() }]);
    expect(problems.get(0)?.[0]).toMatch(/The thread has 2 posts now: post 3 no longer exists/);
    expect(attachmentProblems("twitter", 1, [{ part: 1, media: png() }]).get(0)?.[0]).toMatch(/single post now/);
  });

  it("keeps an animated GIF alone on X", () => {
    const problems = attachmentProblems("twitter", 1, [{ part: 0, media: gif(10) }, { part: 0, media: png() }]);
    expect(problems.get(0)).toEqual(["An animated GIF must be the only media of its post on X; the post has 2."]);
    expect(attachmentProblems("twitter", 1, [{ part: 0, media: gif(1) }, { part: 0, media: png() }]).size).toBe(0);
  });

  it("takes images or one titled document on LinkedIn, never both", () => {
    expect(attachmentProblems("linkedin", 1, [{ part: 0, media: pdf() }]).size).toBe(0);
    expect(attachmentProblems("linkedin", 1, [{ part: 0, media: png() }, { part: 0, media: pdf() }]).get(1)?.[0]).toMatch(/images or one document in a post, not both: the post has 1 image and a document/);
    expect(attachmentProblems("linkedin", 1, [{ part: 0, media: pdf() }, { part: 0, media: pdf() }]).get(1)).toEqual(["LinkedIn takes one document per post; the post has 2."]);
    expect(attachmentProblems("linkedin", 1, [{ part: 0, media: pdf({ title: " " }) }]).get(0)?.[0]).toMatch(/needs a title/);
    const twenty = Array.from({ length: 21 }, () => ({ part: 0, media: png() }));
    expect(attachmentProblems("linkedin", 1, twenty).get(20)?.[0]).toMatch(/at most 20 images per post; the post has 21/);
  });

  it("says why a file cannot join a post, before the API would refuse it", () => {
    expect(cannotAdd("twitter", [], png())).toBeNull();
    expect(cannotAdd("twitter", [], pdf())).toBe("X takes no documents in posts.");
    expect(cannotAdd("twitter", [png(), png(), png(), png()], png())).toMatch(/at most 4 images per post; this one is full/);
    expect(cannotAdd("twitter", [png()], gif(8))).toMatch(/animated GIF must be the only media/);
    expect(cannotAdd("linkedin", [png()], pdf())).toMatch(/not both: remove the images first/);
    expect(cannotAdd("linkedin", [pdf()], png())).toMatch(/this post has a document/);
    expect(cannotAdd("linkedin", [], pdf({ title: null }))).toMatch(/needs a title/);
  });
});

describe("files before they are sent", () => {
  it("guesses the kind from the name and type (the API decides from the content)", () => {
    expect(guessKind({ name: "a.png", type: "image/png" })).toBe("image");
    expect(guessKind({ name: "deck.PDF", type: "" })).toBe("document");
    expect(guessKind({ name: "notes.txt", type: "text/plain" })).toBe("unknown");
  });
  it("refuses an empty or too large file at once", () => {
    expect(tooLarge({ name: "a.png", type: "image/png", size: 0 })).toBe("The file is empty.");
    expect(tooLarge({ name: "a.png", type: "image/png", size: 16_000_000 })).toBe("The file is 16 MB; the library takes images up to 15 MB.");
    expect(tooLarge({ name: "a.pdf", type: "application/pdf", size: 16_000_000 })).toBeNull();
  });
});

describe("the layout of a post's media", () => {
  const images = (n: number) => Array.from({ length: n }, () => ({ kind: "image" }));

  it("is X's grid of 1 to 4", () => {
    expect(layoutFor("twitter", [])).toEqual({ kind: "none" });
    const one = layoutFor("twitter", images(1));
    expect(one.kind === "images" && one.grid).toBe("x-grid x-grid-1");
    const three = layoutFor("twitter", images(3));
    expect(three.kind === "images" && three.cells.map((c) => c.cell)).toEqual(["cell-tall", "cell-top-right", "cell-bottom-right"]);
    const five = layoutFor("twitter", images(5));
    expect(five.kind === "images" && [five.cells.length, five.ignored]).toEqual([4, 1]);
    expect(layoutWords("twitter", layoutFor("twitter", images(2)))).toBe("2 images in a grid.");
  });

  it("leaves a document out on X, where it cannot go", () => {
    const laid = layoutFor("twitter", [{ kind: "document" }, { kind: "image" }]);
    expect(laid.kind === "images" && [laid.cells[0]?.index, laid.ignored]).toEqual([1, 1]);
    expect(layoutFor("twitter", [{ kind: "document" }])).toEqual({ kind: "none" });
  });

  it("is LinkedIn's single image, multi-image grid, or document", () => {
    const single = layoutFor("linkedin", images(1));
    expect(single.kind === "images" && single.grid).toBe("li-grid li-grid-1");
    const four = layoutFor("linkedin", images(4));
    expect(four.kind === "images" && [four.grid, four.more]).toEqual(["li-grid li-grid-4", 0]);
    const nine = layoutFor("linkedin", images(9));
    expect(nine.kind === "images" && [nine.grid, nine.cells.length, nine.more]).toEqual(["li-grid li-grid-5", 5, 4]);
    expect(layoutWords("linkedin", nine)).toBe('A multi-image post of 9 images, 5 shown and "+4" on the last.');
    const document = layoutFor("linkedin", [{ kind: "document" }]);
    expect(document).toEqual({ kind: "document", index: 0, ignored: 0 });
    expect(layoutWords("linkedin", document, 3)).toBe("A document shown as a swipeable carousel of 3 pages.");
  });
});

describe("the API's refusal of attachments", () => {
  it("is placed at the item it names, the rest said about the list", () => {
    const { at, list } = itemErrors({
      "items.1.media_id": "X takes no documents in posts.",
      "items.1.part": "The draft is 1 post(s) on X; part 1 does not exist.",
      "items.0.part": "Part 3 does not exist.",
      items: "Postwright has no media rules for Mastodon.",
    });
    expect(at.get(1)).toBe("X takes no documents in posts. The draft is 1 post(s) on X; part 1 does not exist.");
    expect(at.get(0)).toBe("Part 3 does not exist.");
    expect(list).toEqual(["Postwright has no media rules for Mastodon."]);
    expect(itemErrors({ "items.10": "x" }).at.get(10)).toBe("x");
    expect(itemErrors({ "items10": "y" }).list).toEqual(["y"]);
  });
});
