// The REST API of SPEC 5.2 as the designer uses it; errors become ApiError values.

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `request failed with status ${status}`);
    this.status = status;
    this.code = err.code || 'http_' + status;
    this.details = err.details || [];
    this.body = body;
  }
}

/** Calls the API with JSON in and out; the session cookie (or a Bearer header) authenticates. */
export async function api(method, path, body) {
  // A GET the page started before its modules had loaded (see designer/canvas.html) is used once.
  const early = method === 'GET' && takePrefetched(path);
  if (early) return readResponse(await early);
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    if (body instanceof FormData) init.body = body;
    else {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  return readResponse(await fetch(API + path, init));
}

function takePrefetched(path) {
  const started = window.bizflowPrefetch;
  if (!started || !started[API + path]) return null;
  const response = started[API + path];
  delete started[API + path];
  return response;
}

async function readResponse(response) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { message: text.slice(0, 200) } };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
