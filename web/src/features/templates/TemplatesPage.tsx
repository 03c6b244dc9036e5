import { useEffect, useRef, useState, type FormEvent } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, PageTitle, Spinner } from "../../components/ui";
import { CATEGORIES, categoryName, errorsFromDetail, fill, humanise, missing, pieces, placeholdersOf, valuesFor } from "./fill";
import "./templates.css";
import { platformName } from "../../lib/format";

type Template = Schemas["TemplateOut"];
type Category = NonNullable<NonNullable<paths["/api/templates"]["get"]["parameters"]["query"]>["category"]>;
const PAGE = 20;

export default function TemplatesPage() {
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const category = params.get("category") ?? "";
  const platform = params.get("platform") ?? "";
  const selected = params.get("template");
  const [text, setText] = useState(search);
  const [limit, setLimit] = useState(PAGE);

  const list = useQuery({
    queryKey: ["templates", search, category, platform, limit],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api.GET("/api/templates", {
          params: {
            query: {
              limit,
              ...(search ? { search } : {}),
              ...(category ? { category: category as Category } : {}),
              ...(platform ? { platform: platform as "linkedin" | "twitter" } : {}),
            },
          },
        }),
      ),
  });

  function update(change: Record<string, string | null>): void {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(change)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setLimit(PAGE);
    setParams(next, { replace: true });
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    update({ q: text.trim() || null });
  }

  return (
    <>
      <PageTitle lead="Proven post formats. Pick one, fill in its blanks with your own story, and open the result in the editor.">
        Templates
      </PageTitle>
      <div className="templates-layout">
        <div>
          <form className="card template-search" role="search" aria-label="Templates" onSubmit={submit}>
            <div className="template-search-fields">
              <Field label="Search" hint="Words in the title, description or text.">
                {(ids) => <input id={ids.id} type="search" value={text} aria-describedby={ids.describedBy} onChange={(e) => setText(e.target.value)} />}
              </Field>
              <Field label="Category">
                {(ids) => (
                  <select id={ids.id} value={category} onChange={(e) => update({ category: e.target.value || null })}>
                    <option value="">All categories</option>
                    {Object.entries(CATEGORIES).map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Platform">
                {(ids) => (
                  <select id={ids.id} value={platform} onChange={(e) => update({ platform: e.target.value || null })}>
                    <option value="">Both platforms</option>
                    <option value="linkedin">LinkedIn</option>
                    <option value="twitter">X</option>
                  </select>
                )}
              </Field>
            </div>
            <div className="actions">
              <button type="submit">Search</button>
              {search || category || platform ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setText("");
                    update({ q: null, category: null, platform: null });
                  }}
                >
                  Clear the search
                </button>
              ) : null}
            </div>
          </form>
          <section aria-labelledby="results-title">
            <h2 id="results-title" className="results-title" tabIndex={-1}>
              {list.data ? resultsTitle(list.data.total, search) : "The library"}
            </h2>
            {list.isPending ? (
              <Spinner label="Loading the library…" />
            ) : list.error ? (
              <ErrorNote error={asApiError(list.error)} what="The library did not load" />
            ) : list.data.items.length === 0 ? (
              <p className="card">No template matches. Try fewer words, or another category or platform.</p>
            ) : (
              <>
                <ul className="plain template-list">
                  {list.data.items.map((t) => (
                    <li key={t.id}>
                      <TemplateCard template={t} selected={t.id === selected} onUse={() => update({ template: t.id })} />
                    </li>
                  ))}
                </ul>
                {list.data.total > list.data.items.length ? (
                  <button type="button" className="secondary" disabled={list.isFetching} onClick={() => setLimit((l) => l + PAGE)}>
                    {list.isFetching ? "Loading…" : `Show more (${list.data.total - list.data.items.length} left)`}
                  </button>
                ) : null}
              </>
            )}
            <p className="sr-only" role="status">
              {list.data && !list.isFetching ? resultsTitle(list.data.total, search) : ""}
            </p>
          </section>
        </div>
        <div>{selected ? <FillPanel
              key={selected}
              templateId={selected}
              onClose={() => {
                update({ template: null });
                // The panel is gone: the focus goes back to the list it was chosen from.
                requestAnimationFrame(() => document.getElementById("results-title")?.focus());
              }}
            /> : <ChooseHint />}</div>
      </div>
    </>
  );
}

function resultsTitle(total: number, search: string): string {
  const count = total === 1 ? "1 template" : `${total} templates`;
  return search ? `${count} matching "${search}"` : count;
}

function ChooseHint() {
  return (
    <section className="card fill-panel" aria-labelledby="fill-hint">
      <h2 id="fill-hint">Fill in a template</h2>
      <p>Choose "Use this template" on one of the list: its blanks appear here, with a preview of your post as you type.</p>
    </section>
  );
}

function TemplateCard(props: { template: Template; selected: boolean; onUse: () => void }) {
  const t = props.template;
  const titleId = `template-${t.id}`;
  return (
    <article className={`card template-card${props.selected ? " is-selected" : ""}`} aria-labelledby={titleId}>
      <h3 id={titleId}>{t.title}</h3>
      <p className="template-meta">
        <span>{platformName(t.platform)}</span>
        <span>{categoryName(t.category)}</span>
        {t.engagement_rating !== null ? <span>Rated {t.engagement_rating.toFixed(1)} of 5</span> : null}
        <span>{t.usage_count === 1 ? "Used once" : `Used ${t.usage_count} times`}</span>
      </p>
      <p>{t.description}</p>
      <div className="actions">
        <button type="button" className={props.selected ? "" : "secondary"} aria-pressed={props.selected} aria-label={`Use this template: ${t.title}`} onClick={props.onUse}>
          Use this template
        </button>
      </div>
    </article>
  );
}

const STORE = (id: string): string => `postwright:template:${id}`;

function readValues(id: string): Record<string, string> {
  try {
    const raw = sessionStorage.getItem(STORE(id));
    return raw ? (JSON.parse(raw) as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function FillPanel(props: { templateId: string; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const template = useQuery({
    queryKey: ["template", props.templateId],
    queryFn: () => call(api.GET("/api/templates/{template_id}", { params: { path: { template_id: props.templateId } } })),
  });
  // What is typed survives a reload or a failed attempt (kept in this tab until the draft exists).
  const [values, setValues] = useState<Record<string, string>>(() => readValues(props.templateId));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (template.data) heading.current?.focus();
  }, [template.data]);
  useEffect(() => {
    if (Object.values(values).some((v) => v.trim())) sessionStorage.setItem(STORE(props.templateId), JSON.stringify(values));
  }, [values, props.templateId]);

  if (template.isPending) return <Spinner label="Opening the template…" />;
  if (template.error) {
    return (
      <section className="card fill-panel" aria-label="The template">
        <ErrorNote error={asApiError(template.error)} what="The template did not open" />
        <button type="button" className="secondary" onClick={props.onClose}>
          Close
        </button>
      </section>
    );
  }
  const t = template.data;
  const names = placeholdersOf(t.template_content);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    const empty = missing(t.template_content, values);
    if (empty.length) {
      setFieldErrors(Object.fromEntries(empty.map((n) => [n, "Fill this in: the template needs it."])));
      document.querySelector<HTMLElement>(`.fill-panel [name="${empty[0]}"]`)?.focus();
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      const draft = await call(
        api.POST("/api/templates/use/{template_id}", { params: { path: { template_id: t.id } }, body: { values: valuesFor(t.template_content, values) } }),
      );
      sessionStorage.removeItem(STORE(t.id));
      queryClient.setQueryData(["draft", draft.id], draft);
      void queryClient.invalidateQueries({ queryKey: ["drafts"] });
      void queryClient.invalidateQueries({ queryKey: ["templates"] });
      navigate(`/drafts/${draft.id}`);
    } catch (caught) {
      const e = asApiError(caught);
      const named = e.status === 422 ? errorsFromDetail(e.message) : {};
      if (Object.keys(named).length) setFieldErrors(named);
      else setError(e);
      setBusy(false);
    }
  }

  const filled = missing(t.template_content, values).length === 0;
  return (
    <section className="card fill-panel" aria-labelledby="fill-title">
      <h2 id="fill-title" ref={heading} tabIndex={-1}>
        Fill in "{t.title}"
      </h2>
      <p className="muted">
        {platformName(t.platform)} · {categoryName(t.category)}. {t.description}
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {names.map((name) => (
          <Field key={name} label={humanise(name)} error={fieldErrors[name]}>
            {(ids) => (
              <textarea
                id={ids.id}
                name={name}
                rows={2}
                className="placeholder-input"
                value={values[name] ?? ""}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid}
                onChange={(e) => {
                  const value = e.target.value;
                  setValues((v) => ({ ...v, [name]: value }));
                  if (fieldErrors[name] && value.trim()) setFieldErrors(({ [name]: _, ...rest }) => rest);
                }}
              />
            )}
          </Field>
        ))}
        <h3 className="preview-title">Preview</h3>
        <p className="muted">{filled ? "Every blank is filled." : "Blanks still to fill show in brackets."}</p>
        <div className="preview template-preview">
          {pieces(t.template_content, values).map((p, i) =>
            p.kind === "text" ? (
              <span key={i}>{p.text}</span>
            ) : p.value ? (
              <mark key={i} className="filled">
                {p.value}
              </mark>
            ) : (
              <span key={i} className="blank">
                [{humanise(p.name)}]
              </span>
            ),
          )}
        </div>
        <p className="muted counter">{fill(t.template_content, valuesFor(t.template_content, values)).length} characters with your words</p>
        <ErrorNote error={error} what="The draft was not made" />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Opening…" : "Open in the editor"}
          </button>
          <button type="button" className="secondary" onClick={props.onClose}>
            Choose another template
          </button>
        </div>
      </form>
    </section>
  );
}
