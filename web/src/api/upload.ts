// A file upload with progress. fetch() cannot report upload progress, so this one call uses
// XMLHttpRequest; its answer is still typed by the generated schema, and it refreshes the session once
// on a 401 like every other call.
import type { Schemas } from "./client";
import { ApiError, fromResponse, OFFLINE } from "./errors";
import { getAccessToken, refresh } from "./session";

export type ImportResult = Schemas["ImportResultOut"];

function send(form: FormData, key: string, onProgress: (fraction: number) => void): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/posts/import");
    const token = getAccessToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    // The same key on a retry: an upload that reached the server is not imported twice.
    xhr.setRequestHeader("Idempotency-Key", key);
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
    xhr.send(form);
  });
}

export async function importPosts(
  file: File,
  key: string,
  onProgress: (fraction: number) => void,
): Promise<ImportResult> {
  const form = new FormData();
  form.append("file", file, file.name);
  let response = await send(form, key, onProgress);
  if (response.status === 401 && (await refresh().catch(() => false))) {
    response = await send(form, key, onProgress);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw fromResponse(body, response);
  return body as ImportResult;
}
