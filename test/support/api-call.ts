/** A JSON call to a running service's API with the given headers; a non-2xx answer throws with its body. */
export function apiCaller(base: () => string, headers: () => Record<string, string>) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown> & { id: string };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}
