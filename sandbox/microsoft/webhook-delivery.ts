/** Outbound POSTs from the sandbox to client endpoints (validation, notifications, lifecycle). */
export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Validation handshake (reference 2.12): POST {url}?validationToken=<encoded token> as text/plain;
 * the endpoint must answer 200 within 10 s with the *decoded* token as a text/plain body.
 */
export async function validateEndpoint(url: string, token: string, timeoutMs: number): Promise<boolean> {
  const target = new URL(url);
  target.searchParams.set("validationToken", token);
  try {
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return response.status === 200 && text === token && type.startsWith("text/plain");
  } catch {
    return false;
  }
}
