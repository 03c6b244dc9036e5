import { describe, expect, it } from "vitest";
import { carouselBody, carouselProblems, contrast, DEFAULT_COLOURS, errorsBySlide, moveSlide, newSlide, type Carousel } from "./slides";

const carousel = (over: Partial<Carousel> = {}): Carousel => ({
  title: "Five lessons from code review",
  slides: [newSlide("One reviewer", "Name them before the pull request is opened."), newSlide("Small changes", "")],
  colors: { ...DEFAULT_COLOURS },
  ...over,
});

describe("a carousel before it is built", () => {
  it("can be sent with a title, 2 to 20 titled slides and readable colours", () => {
    expect(carouselProblems(carousel())).toEqual({});
  });

  it("needs a title, and 2 to 20 slides", () => {
    expect(carouselProblems(carousel({ title: "  " })).title).toMatch(/Give the carousel a title/);
    expect(carouselProblems(carousel({ slides: [newSlide("Only one")] })).slides).toBe("A carousel has at least 2 slides; add 1 more.");
    const many = Array.from({ length: 21 }, (_, i) => newSlide(`Slide ${i + 1}`));
    expect(carouselProblems(carousel({ slides: many })).slides).toBe("A carousel has at most 20 slides; remove 1.");
  });

  it("names each slide's field that breaks a rule, as the API keys it", () => {
    const problems = carouselProblems(
      carousel({ slides: [newSlide("", "fine"), newSlide("Two\nlines", "x".repeat(701)), newSlide("Party 🎉", "ok")] }),
    );
    expect(problems["slides.0.title"]).toMatch(/Give the slide a title/);
    expect(problems["slides.1.title"]).toBe("One line, without line breaks.");
    expect(problems["slides.1.body"]).toBe("At most 700 characters; this has 701.");
    expect(problems["slides.2.title"]).toMatch(/emoji or symbol the carousel font cannot draw/);
    expect(problems["slides.0.body"]).toBeUndefined();
  });

  it("refuses colours too close to read, and colours that are not #rrggbb", () => {
    const pale = carouselProblems(carousel({ colors: { background: "#ffffff", text: "#dddddd", accent: "#1f3a8a" } }));
    expect(pale["colors.text"]).toMatch(/contrast of 1\.4:1; at least 3:1/);
    expect(carouselProblems(carousel({ colors: { ...DEFAULT_COLOURS, accent: "blue" } }))["colors.accent"]).toMatch(/#rrggbb/);
  });

  it("sends trimmed text and lower-case colours", () => {
    const body = carouselBody(carousel({ title: "  Title  ", colors: { background: "#FFFFFF", text: "#000000", accent: "#1F3A8A" } }));
    expect(body.title).toBe("Title");
    expect(body.colors).toEqual({ background: "#ffffff", text: "#000000", accent: "#1f3a8a" });
    expect(body.slides[0]).toEqual({ title: "One reviewer", body: "Name them before the pull request is opened." });
  });
});

describe("the contrast ratio", () => {
  it("is WCAG's", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrast("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });
});

describe("moving slides", () => {
  const [a, b, c] = [newSlide("A"), newSlide("B"), newSlide("C")];
  it("moves one up or down, and stays within the list", () => {
    expect(moveSlide([a, b, c], 2, 1).map((s) => s.title)).toEqual(["A", "C", "B"]);
    expect(moveSlide([a, b, c], 0, 1).map((s) => s.title)).toEqual(["B", "A", "C"]);
    expect(moveSlide([a, b, c], 0, -1).map((s) => s.title)).toEqual(["A", "B", "C"]);
    expect(moveSlide([a, b, c], 2, 5).map((s) => s.title)).toEqual(["A", "B", "C"]);
  });

  it("keeps the API's errors with their slide after it moves", () => {
    const slides = [a, b, c];
    const errors = errorsBySlide({ "slides.1.body": "slide 2's text does not fit on its page", title: "Too long" }, slides);
    expect(errors[`${b.id}.body`]).toBe("Slide 2's text does not fit on its page");
    expect(errors.title).toBe("Too long");
  });
});
