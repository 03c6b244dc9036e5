import { useCallback, useLayoutEffect, useRef, useState } from "react";

/**
 * `afterRender(work)`: run `work` right after React's next commit (in a layout effect), as in "move the focus
 * to the button that moved". Unlike a `requestAnimationFrame`, nothing the user does next can come first: a
 * quick Tab after "Slide 3 moved" would land before the animation frame, and the frame would then pull the
 * focus back.
 */
export function useAfterRender(): (work: () => void) => void {
  const pending = useRef<(() => void)[]>([]);
  const [, rerender] = useState(0);
  useLayoutEffect(() => {
    for (const work of pending.current.splice(0)) work();
  });
  return useCallback((work: () => void) => {
    pending.current.push(work);
    rerender((n) => n + 1); // a commit comes even when nothing else changed
  }, []);
}
