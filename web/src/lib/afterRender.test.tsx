import { act, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { useAfterRender } from "./afterRender";

function Swapper() {
  const [order, setOrder] = useState(["a", "b"]);
  const afterRender = useAfterRender();
  return (
    <ul>
      {order.map((id, index) => (
        <li key={id}>
          <button
            id={`up-${id}`}
            type="button"
            disabled={index === 0}
            onClick={() => {
              setOrder((o) => [...o].reverse());
              afterRender(() => document.getElementById(`down-${id}`)?.focus());
            }}
          >
            Up {id}
          </button>
          <button id={`down-${id}`} type="button">Down {id}</button>
        </li>
      ))}
    </ul>
  );
}

describe("useAfterRender", () => {
  it("has moved the focus by the time the click's render is on the page, before any frame", () => {
    render(<Swapper />);
    act(() => {
      fireEvent.click(screen.getByRole("button", { name: "Up b" }));
    });
    // No animation frame has run here: a requestAnimationFrame would still be waiting.
    expect(screen.getAllByRole("listitem")[0]).toHaveTextContent("Up b");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Down b" }));
  });
  it("runs each scheduled piece of work once", () => {
    let runs = 0;
    function Once() {
      const afterRender = useAfterRender();
      const [n, setN] = useState(0);
      return <button type="button" onClick={() => { setN(n + 1); afterRender(() => { runs += 1; }); }}>{n}</button>;
    }
    render(<Once />);
    act(() => fireEvent.click(screen.getByRole("button")));
    act(() => fireEvent.click(screen.getByRole("button")));
    expect(runs).toBe(2);
  });
});
