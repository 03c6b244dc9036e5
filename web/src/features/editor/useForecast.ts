import { useEffect, useState } from "react";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";

export interface LiveForecast {
  engagement: Schemas["EngagementOut"] | null;
  engagementError: ApiError | null;
  voice: Schemas["VoiceMatchOut"] | null;
  voiceError: ApiError | null;
  pending: boolean;
}

const EMPTY: LiveForecast = { engagement: null, engagementError: null, voice: null, voiceError: null, pending: false };

/** The engagement forecast and voice match of the text being typed: asked for after a pause in typing,
 * and a request still in flight when the text changes again is cancelled (its answer would be stale). */
export function useForecast(
  platform: "twitter" | "linkedin",
  content: string,
  contentType: string | null,
  scheduledFor: string | null,
  ready: { voice: ApiError | null; engagement: ApiError | null } | null,
  delayMs = 600,
): LiveForecast {
  const [state, setState] = useState<LiveForecast>(EMPTY);
  useEffect(() => {
    if (!content.trim() || ready === null) {
      setState(EMPTY);
      return;
    }
    // What cannot be asked yet (too little history, no model) is said without asking.
    const notYet = <T,>(error: ApiError): Promise<T> => Promise.reject(error);
    const controller = new AbortController();
    setState((s) => ({ ...s, pending: true }));
    const timer = setTimeout(() => {
      const signal = controller.signal;
      const engagement = ready.engagement
        ? notYet<Schemas["PredictOut"]>(ready.engagement)
        : call(
            api.POST("/api/content/predict", {
              body: { platform, content, content_type: contentType, scheduled_for: scheduledFor },
              signal,
            }),
          );
      const voice = ready.voice
        ? notYet<Schemas["VoiceMatchOut"]>(ready.voice)
        : call(api.POST("/api/content/voice-match", { body: { platform, content }, signal }));
      void Promise.allSettled([engagement, voice]).then(([e, v]) => {
        if (signal.aborted) return;
        setState({
          engagement: e.status === "fulfilled" ? e.value.engagement : null,
          engagementError: e.status === "rejected" ? asApiError(e.reason) : null,
          voice: v.status === "fulfilled" ? v.value : null,
          voiceError: v.status === "rejected" ? asApiError(v.reason) : null,
          pending: false,
        });
      });
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [platform, content, contentType, scheduledFor, ready, delayMs]);
  return state;
}
