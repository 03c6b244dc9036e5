import type { Schemas } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { ForecastBand } from "../../components/ForecastBand";
import { ErrorNote, Spinner } from "../../components/ui";
import { formatNumber } from "../../lib/format";

export function ForecastPanel(props: {
  engagement: Schemas["EngagementOut"] | null;
  engagementError: ApiError | null;
  voice: Schemas["VoiceMatchOut"] | null;
  voiceError: ApiError | null;
  pending: boolean;
  onApply?: (suggestion: Schemas["Suggestion"]) => void;
  canApply?: (suggestion: Schemas["Suggestion"]) => boolean;
}) {
  const { engagement, voice } = props;
  return (
    <section className="card" aria-labelledby="forecast-title" aria-busy={props.pending}>
      <h2 id="forecast-title">How it will do</h2>
      <div aria-live="polite">
        {props.pending ? <Spinner label="Updating the forecast…" /> : null}
        <h3>Voice match</h3>
        {voice ? (
          <p data-testid="voice-score">
            <strong>{formatNumber(voice.score, 2)}</strong> — sounds more like you than {formatNumber(voice.percentile)}% of
            your recent posts.
          </p>
        ) : null}
        {voice?.differences.length ? (
          <ul>{voice.differences.map((d) => <li key={d}>{d}</li>)}</ul>
        ) : null}
        {props.voiceError ? <p className="muted">{props.voiceError.message}</p> : null}
        {!voice && !props.voiceError && !props.pending ? <p className="muted">Start typing to see how much it sounds like you.</p> : null}
        <h3>Expected engagement</h3>
        {engagement ? (
          <>
            <ForecastBand forecast={engagement} />
            {engagement.reasons.length ? (
              <>
                <h4>Why</h4>
                <ul>{engagement.reasons.map((r) => <li key={r.factor}>{r.text}</li>)}</ul>
              </>
            ) : null}
            {engagement.suggestions.length ? (
              <>
                <h4>Try this</h4>
                <ul className="plain">
                  {engagement.suggestions.map((s) => (
                    <li key={s.change} className="suggestion">
                      {s.text} (+{formatNumber(s.predicted_change_pct)}% expected){" "}
                      {props.onApply && (props.canApply?.(s) ?? true) ? (
                        <button type="button" className="secondary" onClick={() => props.onApply?.(s)}>
                          Apply<span className="sr-only">: {s.text}</span>
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </>
        ) : null}
        {props.engagementError ? (
          props.engagementError.status === 409 || props.engagementError.status === 503 ? (
            <p className="muted">{props.engagementError.message}</p>
          ) : (
            <ErrorNote error={props.engagementError} what="The forecast failed" />
          )
        ) : null}
      </div>
    </section>
  );
}
