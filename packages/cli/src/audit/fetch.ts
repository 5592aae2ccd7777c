/** GET with a few retries on network errors and 5xx; any other non-200 is an error naming the URL. */
export async function fetchWithRetry(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    try {
      res = await fetch(url, { headers: { 'accept-encoding': 'gzip, identity' } });
    } catch (err) {
      if (attempt >= 4) throw new Error(`GET ${url}: ${(err as Error).message}`);
    }
    if (res?.ok) return res;
    if (res && (res.status < 500 || attempt >= 4))
      throw new Error(`GET ${url}: HTTP ${res.status}`);
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

export async function fetchText(url: string): Promise<string> {
  return (await fetchWithRetry(url)).text();
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetchWithRetry(url)).arrayBuffer());
}
