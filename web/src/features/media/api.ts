// The media library's calls that the generated client cannot make as they are needed: an upload with
// progress (fetch() reports none, so XMLHttpRequest, with the bearer token, the workspace and one refresh on a
// 401, like every other call), and the stored images fetched with the token and shown through blob URLs
// (a plain <img src> would carry no token and get a 401).
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, call, fromResponse, OFFLINE } from "../../api/errors";
import { getAccessToken, refresh } from "../../api/session";
import { getWorkspaceId } from "../../api/workspace";
import type { Media } from "./rules";

export const MEDIA_KEY = "media";

function send(form: FormData, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/media");
    const token = getAccessToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    const workspace = getWorkspaceId();
    if (workspace) xhr.setRequestHeader("X-Workspace-Id", workspace);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const headers = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const at = line.indexOf(":");
        if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers }));
    };
    xhr.onerror = () => reject(new ApiError(OFFLINE, null, "network"));
    xhr.onabort = () => reject(new DOMException("The upload was stopped.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** Add a file to the current workspace's library: the asset (201 new, 200 when the same file was there). */
export async function uploadMedia(
  file: File,
  fields: { altText?: string; title?: string },
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<{ media: Media; existed: boolean }> {
  const form = new FormData();
  // The text fields first: the server reads them before the file's bytes.
  if (fields.altText?.trim()) form.append("alt_text", fields.altText.trim());
  if (fields.title?.trim()) form.append("title", fields.title.trim());
  form.append("file", file, file.name);
  let response = await send(form, onProgress, signal);
  if (response.status === 401 && (await refresh().catch(() => false))) {
    onProgress(0);
    response = await send(form, onProgress, signal);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw fromResponse(body, response);
  return { media: body as Media, existed: response.status === 200 };
}

export type Picture = { id: string; what: "thumbnail" } | { id: string; what: "page"; page: number };

function pictureKey(picture: Picture): string[] {
  return [MEDIA_KEY, "picture", picture.id, picture.what === "page" ? `page-${picture.page}` : "thumbnail"];
}

async function fetchPicture(picture: Picture, signal: AbortSignal): Promise<Blob> {
  const path = { media_id: picture.id };
  if (picture.what === "page") {
    return call(api.GET("/api/media/{media_id}/pages/{page}", { params: { path: { ...path, page: picture.page } }, parseAs: "blob", signal }));
  }
  return call(api.GET("/api/media/{media_id}/thumbnail", { params: { path }, parseAs: "blob", signal }));
}

/** A stored picture (a thumbnail or a document's page) as a blob URL for an <img>, revoked when unused. */
export function usePicture(picture: Picture | null): { url: string | null; error: ApiError | null; pending: boolean } {
  const query = useQuery({
    queryKey: picture ? pictureKey(picture) : [MEDIA_KEY, "picture", "none"],
    enabled: picture !== null,
    queryFn: ({ signal }) => fetchPicture(picture as Picture, signal),
    // A thumbnail and a page never change for an asset: they are kept as long as the page lives.
    staleTime: Infinity,
    retry: 1,
  });
  const [url, setUrl] = useState<string | null>(null);
  const blob = query.data;
  useEffect(() => {
    if (!blob) {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return {
    url,
    error: query.error ? (query.error instanceof ApiError ? query.error : new ApiError(String(query.error), null, "unknown")) : null,
    pending: picture !== null && query.isPending,
  };
}
