/**
 * The console's only way to the server: the public REST API, same origin. The access token lives in this
 * module's memory only; the refresh token is the HttpOnly `hl_refresh` cookie set by /api/auth/web/* (the
 * page never sees it). The token is renewed shortly before it expires, and once more when a call answers 401.
 * Renewals are single-flight: the server treats a refresh token presented twice as theft and ends the session.
 */

export type Role = "patient" | "doctor" | "nurse" | "admin" | "pharmacist" | "lab";

export interface User {
  id: number;
  role: Role;
  name: string;
  email: string;
  phone: string | null;
  patient_id?: number;
  doctor_id?: number;
}

interface BrowserTokens {
  access_token: string;
  expires_in: number;
  user: User;
}

/** An error answer of the API: `{error: {code, message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let accessToken: string | undefined;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<User | undefined> | undefined;
let onSignedOut: (() => void) | undefined;

/** Called when the session ends by itself (refresh refused): the app shows the sign-in again. */
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string } } | undefined;
  return new ApiError(
    res.status,
    body?.error?.code ?? "HTTP_" + res.status,
    body?.error?.message ?? `The server answered ${res.status}.`,
  );
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
}

function keep(tokens: BrowserTokens): User {
  accessToken = tokens.access_token;
  clearTimeout(renewTimer);
  // Renew a little before the end: a fifth of the lifetime early, at most a minute.
  const early = Math.min(60, tokens.expires_in / 5);
  renewTimer = setTimeout(() => void renew(), Math.max(1, tokens.expires_in - early) * 1000);
  return tokens.user;
}

function forget(): void {
  accessToken = undefined;
  clearTimeout(renewTimer);
  renewTimer = undefined;
}

/** A new access token from the refresh cookie; undefined when there is no session (any more). */
export function renew(): Promise<User | undefined> {
  renewing ??= (async () => {
    try {
      const res = await post("/api/auth/web/refresh", {});
      if (res.ok) return keep((await res.json()) as BrowserTokens);
      if (res.status === 401 || res.status === 400) {
        const hadSession = accessToken !== undefined;
        forget();
        if (hadSession) onSignedOut?.();
        return undefined;
      }
      throw await errorOf(res);
    } finally {
      renewing = undefined;
    }
  })();
  return renewing;
}

export async function signIn(email: string, password: string): Promise<User> {
  const res = await post("/api/auth/web/login", { email, password });
  if (!res.ok) throw await errorOf(res);
  return keep((await res.json()) as BrowserTokens);
}

export async function signOut(): Promise<void> {
  forget();
  await post("/api/auth/web/logout", {}).catch(() => undefined);
}

/** A call of the REST API as the signed-in person; a 401 renews the token once and retries. */
export async function api<T>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      credentials: "same-origin",
    });
  let res = await send();
  if (res.status === 401 && (await renew())) res = await send();
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A file of the REST API (a document, a PDF) as a Blob, with the bearer token; a 401 renews once and retries. */
export async function apiBlob(path: string): Promise<Blob> {
  const send = () =>
    fetch(path, {
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      credentials: "same-origin",
    });
  let res = await send();
  if (res.status === 401 && (await renew())) res = await send();
  if (!res.ok) throw await errorOf(res);
  return res.blob();
}

/** A user-facing sentence for any failure. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return "Something went wrong. Check your connection and try again.";
}

/** A multipart upload (a file) to the REST API as the signed-in person; a 401 renews once and retries. */
export async function upload<T>(path: string, form: FormData): Promise<T> {
  const send = () =>
    fetch(path, {
      method: "POST",
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      body: form,
      credentials: "same-origin",
    });
  let res = await send();
  if (res.status === 401 && (await renew())) res = await send();
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/**
 * A file of the REST API (a CSV export, a PDF report) fetched as the signed-in person and handed to the
 * browser to save under `filename` (the token never goes in a URL).
 */
export async function download(path: string, filename: string): Promise<void> {
  const send = () =>
    fetch(path, {
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      credentials: "same-origin",
    });
  let res = await send();
  if (res.status === 401 && (await renew())) res = await send();
  if (!res.ok) throw await errorOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
