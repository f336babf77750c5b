// Types of scripts/release.mjs, for the tests.
export interface ReleaseTags {
  tag: string
  major: string
  minor: string
}
export interface ChangelogSection {
  version: string
  date?: string
  body: string
}
export function parseVersion(text: string): {
  version: string
  major: number
  minor: number
  patch: number
}
export function changelogSections(text: string): ChangelogSection[]
export function releaseNotes(changelog: string, version: string): string
export function checkRelease(
  version: string,
  files?: { packageJson?: string; changelog?: string }
): ReleaseTags
