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
