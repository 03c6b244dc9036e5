// The carousel builder (/media/carousel): a title, 2 to 20 slides (a title and a text each, with counters;
// added, removed with an undo, moved up and down by buttons), colours from the workspace's brand colours, and
// a live preview of a page drawn here as the server will draw it. Build makes the PDF document (POST
// /api/media/carousels); its pages come back as a strip that scrolls sideways, and it can be attached to a
// LinkedIn draft. What is typed is kept in this tab until it is cleared.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { useWorkspace } from "../workspaces/current";
import { can } from "../workspaces/words";
import { useAfterRender } from "../../lib/afterRender";
import { AttachToDraft } from "./AttachToDraft";
import { MEDIA_KEY } from "./api";
import { PageStrip } from "./PageStrip";
import { describe } from "./rules";
import { SlidePreview } from "./SlidePreview";
import {
  CAROUSEL_TITLE_MAX,
  carouselBody,
  carouselProblems,
  contrast,
  DEFAULT_COLOURS,
  errorsBySlide,
  MAX_SLIDES,
  MIN_CONTRAST,
  MIN_SLIDES,
  moveSlide,
  newSlide,
  SLIDE_BODY_MAX,
  SLIDE_TITLE_MAX,
  type Carousel,
  type Colours,
  type Slide,
} from "./slides";
import "./media.css";

const STORE = "postwright:carousel";

/** Focus a field by its data-focus-id (its id is the label's, made by Field), or any element by its id. */
function focusOn(key: string): void {
  (document.querySelector<HTMLElement>(`[data-focus-id="${key}"]`) ?? document.getElementById(key))?.focus();
}

function readStored(): Carousel | null {
  try {
    const raw = sessionStorage.getItem(STORE);
    if (!raw) return null;
    const value = JSON.parse(raw) as Carousel;
    return Array.isArray(value.slides) && typeof value.title === "string" && value.colors ? value : null;
  } catch {
    return null;
  }
}

function fresh(colors: Colours): Carousel {
  return { title: "", slides: [newSlide(), newSlide()], colors };
}

const COLOUR_FIELDS: { key: keyof Colours; label: string; hint: string }[] = [
  { key: "background", label: "Background", hint: "The page." },
  { key: "text", label: "Text", hint: `Titles and text: at least ${MIN_CONTRAST}:1 against the background.` },
  { key: "accent", label: "Accent", hint: "The bar at the top and the page number." },
];

export default function CarouselBuilder() {
  const workspace = useWorkspace();
  const brand = workspace?.brand_colors ?? DEFAULT_COLOURS;
  const canWrite = can(workspace?.role, "write");
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const assetId = params.get("asset");
  const [carousel, setCarousel] = useState<Carousel>(() => readStored() ?? fresh({ ...brand }));
  const [submitted, setSubmitted] = useState(false);
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [removed, setRemoved] = useState<{ slide: Slide; index: number } | null>(null);
  const [said, setSaid] = useState("");
  const afterRender = useAfterRender();
  const [shown, setShown] = useState(0);
  const [fits, setFits] = useState(true);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    sessionStorage.setItem(STORE, JSON.stringify(carousel));
  }, [carousel]);

  const built = useQuery({
    queryKey: [MEDIA_KEY, "asset", assetId],
    enabled: Boolean(assetId),
    queryFn: () => call(api.GET("/api/media/{media_id}", { params: { path: { media_id: assetId ?? "" } } })),
  });
  useEffect(() => {
    if (built.data) resultHeading.current?.focus();
  }, [built.data]);

  const problems = carouselProblems(carousel);
  const slideError = (index: number, slide: Slide, field: "title" | "body"): string | undefined =>
    (submitted ? problems[`slides.${index}.${field}`] : undefined) ?? (apiErrors[`${slide.id}.${field}`] || undefined);
  const fieldError = (key: string): string | undefined => (submitted ? problems[key] : undefined) ?? (apiErrors[key] || undefined);

  function set(change: Partial<Carousel>): void {
    setCarousel((c) => ({ ...c, ...change }));
  }

  function setSlide(id: string, change: Partial<Slide>): void {
    setCarousel((c) => ({ ...c, slides: c.slides.map((s) => (s.id === id ? { ...s, ...change } : s)) }));
    const keys = Object.keys(change).map((field) => `${id}.${field}`);
    setApiErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([k]) => !keys.includes(k))));
  }

  function move(index: number, by: number): void {
    const slide = carousel.slides[index];
    if (!slide) return;
    const target = Math.max(0, Math.min(carousel.slides.length - 1, index + by));
    setCarousel((c) => ({ ...c, slides: moveSlide(c.slides, index, target) }));
    setSaid(`Slide ${index + 1} moved to position ${target + 1} of ${carousel.slides.length}.`);
    setShown(target);
    // The focus stays with the slide that moved: on the same button, or the other one at an end.
    afterRender(() => {
      const same = document.getElementById(`move-${by < 0 ? "up" : "down"}-${slide.id}`) as HTMLButtonElement | null;
      const other = document.getElementById(`move-${by < 0 ? "down" : "up"}-${slide.id}`) as HTMLButtonElement | null;
      (same && !same.disabled ? same : other)?.focus();
    });
  }

  function add(): void {
    const slide = newSlide();
    setCarousel((c) => ({ ...c, slides: [...c.slides, slide] }));
    setShown(carousel.slides.length);
    setSaid(`Slide ${carousel.slides.length + 1} added.`);
    afterRender(() => focusOn(`slide-title-${slide.id}`));
  }

  function remove(index: number): void {
    const slide = carousel.slides[index];
    if (!slide) return;
    setCarousel((c) => ({ ...c, slides: c.slides.filter((s) => s.id !== slide.id) }));
    setRemoved({ slide, index });
    setShown((s) => Math.max(0, Math.min(s, carousel.slides.length - 2)));
    setSaid(`Slide ${index + 1} removed.`);
    afterRender(() => document.getElementById("undo-remove")?.focus());
  }

  function undoRemove(): void {
    if (!removed) return;
    const { slide, index } = removed;
    setCarousel((c) => {
      const slides = c.slides.slice();
      slides.splice(Math.min(index, slides.length), 0, slide);
      return { ...c, slides };
    });
    setRemoved(null);
    setSaid(`Slide ${index + 1} is back.`);
    afterRender(() => focusOn(`slide-title-${slide.id}`));
  }

  async function build(event: FormEvent): Promise<void> {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    setApiErrors({});
    const found = carouselProblems(carousel);
    const first = Object.keys(found)[0];
    if (first) {
      const match = /^slides\.(\d+)\.(title|body)$/.exec(first);
      const slide = match ? carousel.slides[Number(match[1])] : undefined;
      const target = slide ? `slide-${match?.[2]}-${slide.id}` : first === "title" ? "carousel-title" : first === "slides" ? "add-slide" : `colour-${first.split(".")[1] ?? ""}`;
      focusOn(target);
      return;
    }
    setBusy(true);
    try {
      const media = await call(api.POST("/api/media/carousels", { body: carouselBody(carousel) }));
      queryClient.setQueryData([MEDIA_KEY, "asset", media.id], media);
      void queryClient.invalidateQueries({ queryKey: [MEDIA_KEY, "list"] });
      setParams({ asset: media.id });
      setSubmitted(false);
    } catch (caught) {
      const e = asApiError(caught);
      if (Object.keys(e.fields).length) {
        setApiErrors(errorsBySlide(e.fields, carousel.slides));
        setError(new ApiError("The carousel was not built: see the fields marked below.", e.status, e.code));
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }

  const startOver = useCallback(() => {
    sessionStorage.removeItem(STORE);
    setCarousel(fresh({ ...brand }));
    setSubmitted(false);
    setApiErrors({});
    setRemoved(null);
    setShown(0);
    setParams({});
    requestAnimationFrame(() => focusOn("carousel-title"));
  }, [brand, setParams]);

  const ratio = contrast(carousel.colors.text, carousel.colors.background);
  const brandDiffers = (Object.keys(brand) as (keyof Colours)[]).some((k) => brand[k].toLowerCase() !== carousel.colors[k].toLowerCase());
  const shownIndex = Math.min(shown, carousel.slides.length - 1);
  const shownSlide = carousel.slides[shownIndex];

  return (
    <>
      <PageTitle lead="A few slides drawn as the square pages of a PDF document, in your workspace's colours. LinkedIn shows it as a carousel people swipe through.">
        Build a carousel
      </PageTitle>
      <p>
        <Link to="/media">Back to the media library</Link>
      </p>
      {assetId ? (
        <section className="card carousel-result" aria-labelledby="result-title">
          {built.isPending ? (
            <Spinner label="Opening the carousel…" />
          ) : built.error ? (
            <>
              <ErrorNote error={asApiError(built.error)} what="The carousel did not open" />
              <button type="button" className="secondary" onClick={() => setParams({})}>Back to the builder</button>
            </>
          ) : (
            <>
              <h2 id="result-title" ref={resultHeading} tabIndex={-1}>
                Built: {built.data.title ?? "your carousel"}
              </h2>
              <p className="media-facts">{describe(built.data)}. It is in the media library.</p>
              <PageStrip
                id={built.data.id}
                pages={built.data.pages ?? 0}
                title={built.data.title ?? "the carousel"}
                labels={built.data.pages === carousel.slides.length ? carousel.slides.map((s) => s.title) : undefined}
              />
              <div className="actions">
                <button type="button" className="secondary" onClick={() => { setParams({}); requestAnimationFrame(() => focusOn("carousel-title")); }}>
                  Change the slides
                </button>
                <button type="button" className="secondary" onClick={startOver}>
                  Start a new carousel
                </button>
              </div>
              {canWrite ? <AttachToDraft media={built.data} /> : null}
            </>
          )}
        </section>
      ) : null}
      {!canWrite ? <Notice>Only editors and owners build carousels in this workspace.</Notice> : null}
      <div className="carousel-layout">
        <form onSubmit={(e) => void build(e)} noValidate>
          <section className="card" aria-labelledby="carousel-about">
            <h2 id="carousel-about">Title and colours</h2>
            <Field
              label="Title of the carousel"
              hint={`LinkedIn shows it above the document. ${carousel.title.length} of ${CAROUSEL_TITLE_MAX} characters.`}
              error={fieldError("title")}
            >
              {(ids) => (
                <input
                  id={ids.id}
                  data-focus-id="carousel-title"
                  type="text"
                  value={carousel.title}
                  aria-describedby={ids.describedBy}
                  aria-invalid={ids.invalid}
                  onChange={(e) => {
                    set({ title: e.target.value });
                    setApiErrors(({ title: _, ...rest }) => rest);
                  }}
                />
              )}
            </Field>
            <fieldset className="colour-fields">
              <legend>Colours</legend>
              <p className="hint">
                {brandDiffers ? "Changed for this carousel." : `${workspace && !workspace.personal ? `${workspace.name}'s` : "Your workspace's"} brand colours.`}{" "}
                Contrast of the text on the background: {ratio.toFixed(1)}:1{ratio >= MIN_CONTRAST ? "." : `, under the ${MIN_CONTRAST}:1 needed.`}
              </p>
              <div className="colour-row">
                {COLOUR_FIELDS.map(({ key, label, hint }) => (
                  <Field key={key} label={label} hint={hint} error={fieldError(`colors.${key}`)}>
                    {(ids) => (
                      <span className="colour-input">
                        <input
                          id={ids.id}
                          data-focus-id={`colour-${key}`}
                          type="color"
                          value={carousel.colors[key]}
                          aria-describedby={ids.describedBy}
                          aria-invalid={ids.invalid}
                          onChange={(e) => {
                            set({ colors: { ...carousel.colors, [key]: e.target.value } });
                            setApiErrors(({ colors: _, ...rest }) => rest);
                          }}
                        />
                        <code>{carousel.colors[key]}</code>
                      </span>
                    )}
                  </Field>
                ))}
              </div>
              {brandDiffers ? (
                <button type="button" className="secondary" onClick={() => set({ colors: { ...brand } })}>
                  Use the workspace's colours
                </button>
              ) : null}
            </fieldset>
          </section>

          <section className="card" aria-labelledby="slides-title">
            <h2 id="slides-title">
              Slides <span className="muted">({carousel.slides.length} of {MAX_SLIDES})</span>
            </h2>
            <p className="hint">At least {MIN_SLIDES}. Each is one page; long text is shrunk to fit, down to a size still readable on a phone.</p>
            {fieldError("slides") ? <p className="field-error" role="alert">{fieldError("slides")}</p> : null}
            <ol className="plain slide-list">
              {carousel.slides.map((slide, index) => (
                <li key={slide.id}>
                  <fieldset className="slide-fields">
                    <legend>Slide {index + 1}</legend>
                    <Field
                      label={`Title of slide ${index + 1}`}
                      hint={<span className={`counter${slide.title.length > SLIDE_TITLE_MAX ? " over" : ""}`}>{slide.title.length} of {SLIDE_TITLE_MAX} characters</span>}
                      error={slideError(index, slide, "title")}
                    >
                      {(ids) => (
                        <input
                          id={ids.id}
                          data-focus-id={`slide-title-${slide.id}`}
                          type="text"
                          value={slide.title}
                          aria-describedby={ids.describedBy}
                          aria-invalid={ids.invalid || slide.title.length > SLIDE_TITLE_MAX}
                          onFocus={() => setShown(index)}
                          onChange={(e) => setSlide(slide.id, { title: e.target.value })}
                        />
                      )}
                    </Field>
                    <Field
                      label={`Text of slide ${index + 1} (optional)`}
                      hint={<span className={`counter${slide.body.length > SLIDE_BODY_MAX ? " over" : ""}`}>{slide.body.length} of {SLIDE_BODY_MAX} characters</span>}
                      error={slideError(index, slide, "body")}
                    >
                      {(ids) => (
                        <textarea
                          id={ids.id}
                          data-focus-id={`slide-body-${slide.id}`}
                          rows={3}
                          className="slide-body-input"
                          value={slide.body}
                          aria-describedby={ids.describedBy}
                          aria-invalid={ids.invalid || slide.body.length > SLIDE_BODY_MAX}
                          onFocus={() => setShown(index)}
                          onChange={(e) => setSlide(slide.id, { body: e.target.value })}
                        />
                      )}
                    </Field>
                    <div className="actions">
                      <button id={`move-up-${slide.id}`} type="button" className="secondary" disabled={index === 0} aria-label={`Move up: slide ${index + 1}`} onClick={() => move(index, -1)}>
                        Move up
                      </button>
                      <button id={`move-down-${slide.id}`} type="button" className="secondary" disabled={index === carousel.slides.length - 1} aria-label={`Move down: slide ${index + 1}`} onClick={() => move(index, 1)}>
                        Move down
                      </button>
                      <button type="button" className="secondary" aria-label={`Remove: slide ${index + 1}`} onClick={() => remove(index)}>
                        Remove
                      </button>
                    </div>
                  </fieldset>
                </li>
              ))}
            </ol>
            {removed ? (
              <div className="alert alert-info undo-note">
                <p>Slide {removed.index + 1}{removed.slide.title.trim() ? ` ("${removed.slide.title.trim()}")` : ""} was removed.</p>
                <button id="undo-remove" type="button" className="secondary" onClick={undoRemove}>
                  Undo: put it back
                </button>
              </div>
            ) : null}
            <p className="sr-only" role="status">{said}</p>
            <div className="actions">
              <button id="add-slide" type="button" className="secondary" disabled={carousel.slides.length >= MAX_SLIDES} onClick={add}>
                Add a slide
              </button>
            </div>
          </section>
          <ErrorNote error={error} what="Not built" />
          <div className="actions build-actions">
            <button type="submit" disabled={busy || !canWrite}>
              {busy ? "Building the PDF…" : "Build the PDF"}
            </button>
          </div>
        </form>

        <aside className="carousel-preview" aria-labelledby="preview-heading">
          <section className="card">
            <h2 id="preview-heading">Preview</h2>
            {carousel.slides.length > 1 ? (
              <Field label="Page shown">
                {(ids) => (
                  <select id={ids.id} value={shownIndex} onChange={(e) => setShown(Number(e.target.value))}>
                    {carousel.slides.map((s, i) => (
                      <option key={s.id} value={i}>
                        Page {i + 1}{s.title.trim() ? `: ${s.title.trim().slice(0, 40)}` : ""}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null}
            {shownSlide ? (
              <SlidePreview slide={shownSlide} colors={carousel.colors} number={shownIndex + 1} total={carousel.slides.length} onFit={setFits} />
            ) : null}
            <p className={fits ? "hint" : "field-error"} aria-live="polite">
              {fits
                ? "Drawn here as the server draws it; the PDF's font is DejaVu Sans, so lines may break a little differently."
                : `Page ${shownIndex + 1}'s text does not fit even at the smallest size: shorten it, or split it over two slides.`}
            </p>
          </section>
        </aside>
      </div>
    </>
  );
}
