// Media: two PNG images made here are added to the library (one chosen with the keyboard through the file
// button, one dropped on the zone), each with its alt text (an empty one is said at its field first); a .png
// that is really text is refused in words at the file. The grid shows kind, size, dimensions and alt text,
// filters by kind, and an alt text is changed. A 3-slide carousel is built (a slide moved up and back by
// keyboard, the live preview of page 1), its pages come back as a sideways strip, and it is attached to a new
// LinkedIn draft, whose preview shows the document's first page with its title and page count. An X draft gets
// the two images from the library (the picker says X's rules) and its preview shows the 2-image grid; made a
// thread, one image goes with post 2. Deleting an attached image is refused with the draft named. Axe on each
// screen; a phone at 390 px; the media screens' JavaScript weight.
import { deflateSync } from "node:zlib";
import { BASE, check, expect, newUser, report, shoot, sideways, smallTargets, step, tabTo, watch } from "./lib.mjs";

// ---- PNG files, made here -----------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A true-colour PNG of `width` x `height`: `colour` with a white diagonal band (so thumbnails differ). */
function png(width, height, colour) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.abs(x / width - y / height) < 0.08;
      const [r, g, b] = band ? [255, 255, 255] : colour;
      raw.set([r, g, b], y * stride + 1 + x * 3);
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const RED = { name: "red-harbour.png", buffer: png(480, 320, [178, 34, 34]), alt: "A red card, wider than tall, crossed by a white diagonal band" };
const BLUE = { name: "blue-tower.png", buffer: png(240, 360, [30, 64, 175]), alt: "A blue card, taller than wide, crossed by a white diagonal band" };
const SLIDES = [
  ["Ship small", "Every change small enough to review in ten minutes."],
  ["Name the reviewer", "Before the pull request is opened, not after."],
  ["Write it down", "Decisions leave a trail anyone can search."],
];
const CAROUSEL = "Three habits of calm releases";

// ---- helpers ------------------------------------------------------------------------------------------------

/** Drop a file on the first drop zone, as a browser's drag and drop does. */
async function drop(page, file) {
  await page.locator(".drop-zone").first().evaluate((zone, { name, data }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], name, { type: "image/png" }));
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, { name: file.name, data: [...file.buffer] });
}

/** Wait until the image with this alt text has loaded (from its blob URL) and has pixels. */
async function loaded(locator) {
  await locator.first().waitFor();
  await locator.first().evaluate((img) =>
    img.complete && img.naturalWidth > 0
      ? true
      : new Promise((resolve, reject) => {
          img.addEventListener("load", () => resolve(true), { once: true });
          img.addEventListener("error", () => reject(new Error(`the image "${img.alt}" did not load`)), { once: true });
        }),
  );
  const src = await locator.first().getAttribute("src");
  if (!src?.startsWith("blob:")) throw new Error(`an image is shown from ${src}, not from a blob URL fetched with the token`);
}

/** JavaScript sent (gzip, as transferred) to show `path` from a cold cache, signed in as `user`. */
async function weight(browser, user, label, path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const answer = await context.request.post(`${BASE}/api/auth/session`, { data: { email: user.email, password: user.password } });
  if (!answer.ok()) throw new Error(`session for the weight check: ${answer.status()}`);
  const page = await context.newPage();
  watch(page);
  let bytes = 0;
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.endsWith(".js")) bytes += Number(response.headers()["content-length"] ?? 0);
  });
  await page.goto(BASE + path, { waitUntil: "networkidle" });
  await page.locator("h1").first().waitFor();
  await context.close();
  report.js_kb[label] = Math.round((bytes / 1024) * 10) / 10;
  if (report.js_kb[label] > 150) throw new Error(`${label} loads ${report.js_kb[label]} KB of JavaScript (150 at most)`);
}

// ---- the scenario -------------------------------------------------------------------------------------------

export async function run(browser) {
  const user = await newUser(browser, { name: "Hedy Lamarr", history: false });
  const { page } = user;
  // File choosers are caught from now on (turning that on takes a round trip, which a key press can beat).
  page.on("filechooser", () => undefined);

  step("media: the empty library, reached from the menu");
  await page.goto(`${BASE}/`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Media" }).click();
  await page.getByRole("heading", { level: 1, name: "Media library" }).waitFor();
  await page.getByText("Nothing yet.").waitFor();
  await check(page, "media-empty");

  step("media: an image chosen with the keyboard; its alt text is required, said at the field");
  await page.locator("h1").focus();
  await tabTo(page, "Choose files");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Enter")]);
  await chooser.setFiles({ name: RED.name, mimeType: "image/png", buffer: RED.buffer });
  const redAlt = page.getByLabel(`Alt text for ${RED.name} (required)`);
  await redAlt.waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === "TEXTAREA");
  await page.getByRole("button", { name: "Add to the library" }).click();
  await page.getByText("Describe the image first: alt text is required for images.").waitFor();
  await check(page, "media-alt-required");
  await page.keyboard.type(RED.alt);
  await tabTo(page, "Add to the library");
  await page.keyboard.press("Enter");
  await page.getByText(`${RED.name} was added.`).waitFor();

  step("media: a second image dropped on the zone");
  await drop(page, BLUE);
  await page.getByLabel(`Alt text for ${BLUE.name} (required)`).fill(BLUE.alt);
  await page.getByRole("button", { name: "Add to the library" }).click();
  await page.getByText(`${BLUE.name} was added.`).waitFor();

  step("media: a .png that is really text is refused in words, at the file");
  expect([{ path: "/api/media", status: 415 }]);
  const [again] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Choose files" }).click()]);
  await again.setFiles({ name: "not-really.png", mimeType: "image/png", buffer: Buffer.from("Just some text pretending to be a picture.\n") });
  const bad = page.getByRole("article", { name: "not-really.png" });
  await bad.getByLabel("Alt text for not-really.png (required)").fill("Nothing: it is text");
  await bad.getByRole("button", { name: "Add to the library" }).click();
  await bad.getByRole("alert").filter({ hasText: "not-really.png was not added" }).filter({ hasText: "must be JPEG, PNG, GIF or WebP images and PDF documents" }).waitFor();
  if ((await bad.getByLabel("Alt text for not-really.png (required)").inputValue()) !== "Nothing: it is text") throw new Error("the alt text typed was lost");
  await check(page, "media-bad-file");
  await shoot(page, "media-bad-file");
  expect([]);
  await bad.getByRole("button", { name: "Remove from the list" }).click();

  step("media: the grid, with kind, size, dimensions and alt text");
  await page.getByRole("heading", { name: "2 files" }).waitFor();
  const redCard = page.getByRole("article", { name: RED.name });
  await redCard.getByText("Image · PNG · 480 × 320 px").waitFor();
  await redCard.getByText(`Alt text: ${RED.alt}`).waitFor();
  await redCard.getByText("Fits X and LinkedIn.").waitFor();
  await page.getByRole("article", { name: BLUE.name }).getByText("240 × 360 px").waitFor();
  await loaded(redCard.getByRole("img", { name: RED.alt }));
  await check(page, "media-library");

  step("media: filtered by kind");
  await page.getByLabel("Show").selectOption({ label: "Documents only" });
  await page.getByText("No documents here.").waitFor();
  await page.getByLabel("Show").selectOption({ label: "Images only" });
  await page.getByRole("heading", { name: "2 images" }).waitFor();
  await page.getByLabel("Show").selectOption({ label: "Images and documents" });

  step("media: an alt text changed");
  await redCard.getByRole("button", { name: `Edit: ${RED.name}` }).click();
  const edit = redCard.getByLabel(`Alt text of ${RED.name}`);
  RED.alt = "A red card crossed by a white band, wider than tall";
  await edit.fill(RED.alt);
  await redCard.getByRole("button", { name: "Save" }).click();
  await redCard.getByText(`Alt text: ${RED.alt}`).waitFor();
  await shoot(page, "media-library");

  step("carousel: three slides, one moved up and back with the keyboard, the live preview");
  await page.getByRole("link", { name: "Build a LinkedIn carousel" }).click();
  await page.getByRole("heading", { level: 1, name: "Build a carousel" }).waitFor();
  await page.getByLabel("Title of the carousel").fill(CAROUSEL);
  for (const [index, [title, body]] of SLIDES.slice(0, 2).entries()) {
    await page.getByLabel(`Title of slide ${index + 1}`).fill(title);
    await page.getByLabel(`Text of slide ${index + 1} (optional)`).fill(body);
  }
  await page.getByRole("button", { name: "Add a slide" }).click();
  // Built with slide 3 empty: said at its title, where the focus goes; nothing typed is lost.
  await page.getByRole("button", { name: "Build the PDF" }).click();
  await page.getByText("Give the slide a title: it is the large text of its page.").waitFor();
  const at = await page.evaluate(() => document.activeElement?.labels?.[0]?.textContent);
  if (at !== "Title of slide 3") throw new Error(`the focus went to "${at}", not to slide 3's title`);
  await check(page, "carousel-slide-error");
  if ((await page.getByLabel("Title of slide 2").inputValue()) !== SLIDES[1][0]) throw new Error("a slide's title was lost");
  await page.keyboard.type(SLIDES[2][0]);
  await page.getByLabel("Text of slide 3 (optional)").fill(SLIDES[2][1]);
  await page.getByRole("heading", { name: "Slides (3 of 20)" }).waitFor();
  await page.getByRole("button", { name: "Move up: slide 3" }).focus();
  await page.keyboard.press("Enter");
  await page.getByText("Slide 3 moved to position 2 of 3.").waitFor();
  if ((await page.getByLabel("Title of slide 2").inputValue()) !== SLIDES[2][0]) throw new Error("slide 3 did not move up");
  // The focus stayed with the slide that moved: Tab on to its "Move down", and back it goes.
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
  if (focused !== "Move down: slide 2") throw new Error(`after the move the focus is on "${focused}"`);
  await page.keyboard.press("Enter");
  if ((await page.getByLabel("Title of slide 3").inputValue()) !== SLIDES[2][0]) throw new Error("slide 2 did not move back down");
  await page.getByLabel("Page shown").selectOption({ index: 0 });
  await page.getByRole("img", { name: `Page 1 of 3: ${SLIDES[0][0]}. ${SLIDES[0][1]}` }).waitFor();
  await check(page, "carousel-builder");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, "media-carousel-builder");

  step("carousel: built, its pages as a sideways strip");
  await page.getByRole("button", { name: "Build the PDF" }).click();
  await page.getByRole("heading", { name: `Built: ${CAROUSEL}` }).waitFor();
  await page.getByText("Document · PDF · 3 pages").waitFor();
  const strip = page.getByRole("list", { name: `Pages of ${CAROUSEL}` });
  for (const [index, [title]] of SLIDES.entries()) await loaded(strip.getByRole("img", { name: `Page ${index + 1} of 3: ${title}` }));
  await check(page, "carousel-built");
  await shoot(page, "media-carousel");

  step("carousel: attached to a new LinkedIn draft; the editor's preview shows the document");
  await page.getByLabel("Text of the post").fill("Three habits that made our releases calm. Swipe through.");
  await page.getByRole("button", { name: "Write the draft with the carousel" }).click();
  await page.getByText("A new LinkedIn draft was written with the carousel attached.").waitFor();
  await page.getByRole("link", { name: "Open the draft" }).click();
  await page.getByRole("heading", { level: 1, name: "Edit draft" }).waitFor();
  const doc = page.getByRole("figure", { name: `Document: ${CAROUSEL}` });
  await doc.getByText("· 3 pages").waitFor();
  await loaded(doc.getByRole("img", { name: `Page 1 of 3 of ${CAROUSEL}` }));
  await page.getByRole("region", { name: "Images and documents" }).getByText(CAROUSEL).waitFor();
  await check(page, "editor-linkedin-carousel");
  await shoot(page, "editor-linkedin-carousel");

  step("editor: an X post with the two images from the library, laid out as X's 2-image grid");
  await page.goto(`${BASE}/drafts/new`);
  await page.getByRole("heading", { level: 1, name: "Write a post" }).waitFor();
  await page.getByRole("button", { name: "X", exact: true }).click();
  await page.getByLabel("Text", { exact: true }).fill("Two cards, one red and one blue: which one ships first?");
  await page.waitForURL(/\/drafts\/[0-9a-f-]{36}$/);
  const draftId = page.url().split("/").pop();
  const panel = page.getByRole("region", { name: "Images and documents" });
  await panel.getByText("X takes up to 4 images in a post").waitFor();
  await panel.getByRole("button", { name: "Add images" }).click();
  const picker = panel.getByRole("region", { name: "Add to the post from the library" });
  await picker.getByLabel(`Alt text: ${RED.alt}`).check();
  await picker.getByLabel(`Alt text: ${BLUE.alt}`).check();
  await check(page, "editor-picker");
  await shoot(page, "editor-picker");
  await picker.getByRole("button", { name: "Attach 2 selected" }).click();
  await panel.getByText("2 files attached to the post.").waitFor();
  const grid = page.getByRole("group", { name: "2 images in a grid." });
  await loaded(grid.getByRole("img", { name: RED.alt }));
  await loaded(grid.getByRole("img", { name: BLUE.alt }));
  await check(page, "editor-x-images");
  await shoot(page, "editor-x-images");

  step("editor: reordered by keyboard, in the API's order");
  await panel.getByRole("button", { name: "Move down: image 1" }).focus();
  await page.keyboard.press("Enter");
  await panel.getByText("Moved to place 2 in the post.").waitFor();
  let attached = (await user.call("GET", `/api/content/drafts/${draftId}/media`)).items;
  if (attached.map((a) => a.alt_text).join("|") !== [BLUE.alt, RED.alt].join("|")) throw new Error(`the order is ${attached.map((a) => a.alt_text)}`);

  step("editor: made a thread, one image goes with post 2");
  await page.getByLabel("Write a thread (several posts)").check();
  await page.getByRole("button", { name: "Add a post to the thread" }).click();
  await page.getByLabel("Post 2 of the thread").fill("The red one, of course.");
  await panel.getByRole("heading", { name: "Post 2" }).waitFor();
  const redRow = panel.getByRole("listitem").filter({ hasText: `Alt text: ${RED.alt}` });
  await redRow.getByLabel("Goes with").selectOption({ label: "Post 2" });
  await panel.getByText("Moved to post 2.").waitFor();
  attached = (await user.call("GET", `/api/content/drafts/${draftId}/media`)).items;
  if (attached.map((a) => `${a.part}:${a.alt_text}`).join("|") !== `0:${BLUE.alt}|1:${RED.alt}`) throw new Error(`the parts are ${attached.map((a) => a.part)}`);
  await page.getByRole("group", { name: "One image, full width." }).nth(1).getByRole("img", { name: RED.alt }).waitFor();
  await check(page, "editor-x-thread-images");

  step("media: deleting an attached image is refused, with the draft named");
  const red = (await user.call("GET", "/api/media?kind=image")).items.find((m) => m.alt_text === RED.alt);
  expect([{ path: `/api/media/${red.id}`, status: 409 }]);
  await page.goto(`${BASE}/media`);
  const card = page.getByRole("article", { name: RED.name });
  await card.getByRole("button", { name: `Delete: ${RED.name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${RED.name}?` });
  await dialog.getByRole("button", { name: "Delete it" }).click();
  const refused = card.getByRole("alert").filter({ hasText: `${RED.name} was not deleted: it is attached to a draft.` });
  await refused.getByRole("link", { name: /^X draft: "Two cards, one red and one blue/ }).waitFor();
  await check(page, "media-delete-refused");
  await shoot(page, "media-delete-refused");
  expect([]);

  step("editor: post 2 taken out of the thread; the rule said at its image, then the API's 422 there, and fixed");
  await page.goto(`${BASE}/drafts/${draftId}`);
  await page.getByRole("heading", { level: 1, name: "Edit draft" }).waitFor();
  await page.getByRole("button", { name: "Remove post 2" }).click();
  await panel.getByRole("heading", { name: "Post 2 (no longer in the text)" }).waitFor();
  await panel.getByText("The draft is a single post now: this goes with post 2, which no longer exists.").waitFor();
  expect([{ path: `/api/content/drafts/${draftId}/media`, status: 422 }]);
  await panel.getByRole("button", { name: "Remove: image 1 of post 1" }).click();
  await panel.getByText("Not saved: X would refuse it (see the file marked in red).").waitFor();
  await panel.getByRole("listitem").filter({ hasText: `Alt text: ${RED.alt}` }).getByText(/^Refused by the server: .*part 1 does not exist/).waitFor();
  await check(page, "editor-media-refused");
  await shoot(page, "editor-media-refused");
  expect([]);
  await panel.getByRole("listitem").filter({ hasText: `Alt text: ${RED.alt}` }).getByLabel("Goes with").selectOption({ label: "Post 1" });
  await panel.getByText("Moved to post 1.").waitFor();
  attached = (await user.call("GET", `/api/content/drafts/${draftId}/media`)).items;
  if (attached.map((a) => `${a.part}:${a.alt_text}`).join("|") !== `0:${RED.alt}`) throw new Error(`the media are ${attached.map((a) => `${a.part}:${a.alt_text}`)}`);
  await page.getByRole("group", { name: "One image, full width." }).getByRole("img", { name: RED.alt }).waitFor();

  step("media: an image no draft uses is deleted, after the question");
  await page.goto(`${BASE}/media`);
  await page.getByRole("article", { name: BLUE.name }).getByRole("button", { name: `Delete: ${BLUE.name}` }).click();
  await page.getByRole("dialog", { name: `Delete ${BLUE.name}?` }).getByRole("button", { name: "Delete it" }).click();
  await page.getByRole("heading", { name: "2 files" }).waitFor();
  await page.getByText(`${BLUE.name} was deleted.`).waitFor({ state: "attached" });
  if ((await page.getByRole("article", { name: BLUE.name }).count()) !== 0) throw new Error("the deleted image is still shown");

  step("media: a phone, no sideways scrolling");
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [name, path, heading] of [
    ["phone-media", "/media", "Media library"],
    ["phone-carousel", "/media/carousel", "Build a carousel"],
    ["phone-editor-media", `/drafts/${draftId}`, "Edit draft"],
  ]) {
    await page.goto(BASE + path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await page.waitForLoadState("networkidle");
    await sideways(page, name);
    await smallTargets(page, name);
    await shoot(page, name);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  step("media: JavaScript weight of the media screens");
  await weight(browser, user, "media", "/media");
  await weight(browser, user, "carousel", "/media/carousel");
  await weight(browser, user, "editor with media", `/drafts/${draftId}`);
  await user.context.close();
}
