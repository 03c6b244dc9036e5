import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { BarChart } from "../../components/BarChart";
import { ErrorNote, PageTitle, Spinner } from "../../components/ui";
import { formatNumber, formatPercent, platformName } from "../../lib/format";

function num(record: Record<string, unknown> | undefined, key: string): number | null {
  const value = record?.[key];
  return typeof value === "number" ? value : null;
}

export default function VoicePage() {
  // Where things stand first (always a 200), then the analysis once one is stored.
  const status = useQuery({
    queryKey: ["tone-analysis", "status"],
    queryFn: () => call(api.GET("/api/users/tone-analysis/status")),
    refetchInterval: (query) => (query.state.data && ["none", "ready", "failed"].includes(query.state.data.state) ? false : 4000),
  });
  const stored = status.data?.computed_at ?? null;
  const analysis = useQuery({
    queryKey: ["tone-analysis", stored],
    enabled: stored !== null,
    queryFn: () => call(api.GET("/api/users/tone-analysis")),
  });
  const insights = useQuery({ queryKey: ["insights"], queryFn: () => call(api.GET("/api/analytics/insights")) });
  const examples = useQuery({
    queryKey: ["posts", "examples"],
    queryFn: () => call(api.GET("/api/posts", { params: { query: { limit: 3 } } })),
  });

  if (status.isPending || (stored !== null && analysis.isPending)) return <Spinner label="Loading your voice…" />;
  const failed = status.error ?? analysis.error;
  if (failed) return <ErrorNote error={asApiError(failed)} what="Your voice did not load" />;
  const data = analysis.data;
  if (!data) {
    const state = status.data?.state;
    return (
      <>
        <PageTitle>Your voice</PageTitle>
        <section className="card">
          {state === "none" ? (
            <p>
              No tone analysis yet. It starts by itself when you <Link to="/import">import your posts</Link>, and this
              page shows it as soon as it is done.
            </p>
          ) : state === "failed" ? (
            <ErrorNote error={new ApiError(status.data?.detail ?? "The analysis failed.", null, "failed")} />
          ) : (
            <Spinner label={status.data?.detail ?? "Your analysis is on its way…"} />
          )}
        </section>
      </>
    );
  }
  const distribution = Object.entries(data.tone_distribution)
    .map(([label, value]) => ({ label, value: Number(value) }))
    .sort((a, b) => b.value - a.value);
  const sentences = data.sentence_structure as Record<string, unknown>;
  const emoji = data.emoji_usage as Record<string, unknown>;
  const chars = num(sentences, "mean_chars_per_post");
  const words = num(sentences, "mean_words_per_sentence");
  const emojiPerPost = num(emoji, "per_post");
  const emojiShare = num(emoji, "posts_with_emoji_ratio");
  return (
    <>
      <PageTitle lead={`From ${data.posts_analyzed.toLocaleString()} of your posts, analysed ${new Date(data.computed_at).toLocaleString()}.`}>
        Your voice
      </PageTitle>
      <div className="grid-2">
        <section className="card" aria-labelledby="tone-title">
          <h2 id="tone-title">Mostly {data.primary_tone}</h2>
          <p>
            The tone model reads {formatPercent(distribution[0]?.value ?? 0)} of your writing as {data.primary_tone}
            {" "}(confidence {formatPercent(data.confidence)}).
          </p>
          <BarChart title="Your tones" data={distribution} />
        </section>
        <section className="card" aria-labelledby="habits-title">
          <h2 id="habits-title">Your habits</h2>
          <dl className="habits">
            {chars !== null ? (<><dt>Length</dt><dd>about {formatNumber(chars)} characters a post</dd></>) : null}
            {words !== null ? (<><dt>Sentences</dt><dd>about {formatNumber(words, 1)} words each</dd></>) : null}
            {emojiPerPost !== null ? (
              <><dt>Emoji</dt><dd>{emojiPerPost === 0 ? "none" : `${formatNumber(emojiPerPost, 1)} a post${emojiShare !== null ? `, in ${formatPercent(emojiShare)} of your posts` : ""}`}</dd></>
            ) : null}
          </dl>
          {insights.data?.platforms.map((p) => (
            <div key={p.platform}>
              <h3>On {platformName(p.platform)}</h3>
              <ul>
                {p.sentences.map((s) => <li key={s}>{s}</li>)}
                {p.best_hours?.length ? <li>Your best hours: {(p.best_hours ?? []).slice(0, 3).map((h) => h.bucket).join(", ")}</li> : null}
                {p.top_hashtags?.length ? <li>Hashtags you use most: {(p.top_hashtags ?? []).slice(0, 5).map((h) => h.bucket).join(", ")}</li> : null}
              </ul>
            </div>
          ))}
          {insights.error ? <ErrorNote error={asApiError(insights.error)} what="Your habits did not load" /> : null}
        </section>
      </div>
      <section className="card" aria-labelledby="words-title">
        <h2 id="words-title">Words and phrases you use</h2>
        <h3>Style keywords</h3>
        <ul className="tag-list">{data.style_keywords.map((k) => <li key={String(k)}>{String(k)}</li>)}</ul>
        {data.common_phrases.length ? (
          <>
            <h3>Common phrases</h3>
            <ul className="tag-list">{data.common_phrases.map((k) => <li key={String(k)}>{String(k)}</li>)}</ul>
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="examples-title">
        <h2 id="examples-title">Recent posts of yours</h2>
        {examples.data?.items.map((post) => (
          <blockquote key={post.id} className="preview">{post.content}</blockquote>
        ))}
      </section>
      <section className="card" aria-labelledby="match-title">
        <h2 id="match-title">What the voice match measures</h2>
        <p>
          Every draft gets a voice match: how close it is to your own posts, compared with how close your own posts are
          to each other. It combines five signals: the wording of your nearest posts (character patterns and
          meaning), how far the draft sits from the centre of the style of yours it reads most like, your form habits
          (length, emoji, hashtags, questions), and how many of its hashtags and mentions you have used before. 0.5 means it sounds as much like you as a typical post of yours; higher is more
          like you. The percentile says how many of your own recent posts it beats.
        </p>
      </section>
    </>
  );
}
