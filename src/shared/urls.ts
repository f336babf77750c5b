/** A URL without its user and password: what may be written into a script. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.href.replace(/\/+$/, '')
  } catch {
    return url
  }
}

/**
 * A URL as a log or a message may show it: no user or password, and each
 * query value (where mirrors put tokens) replaced by `***`.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    for (const key of [...new Set(parsed.searchParams.keys())]) {
      parsed.searchParams.set(key, '***')
    }
    return parsed.href.replace(/%2A%2A%2A/g, '***')
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '?***')
  }
}
