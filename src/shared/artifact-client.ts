import type { ArtifactClient } from '@actions/artifact'

/**
 * @actions/artifact, loaded when a run first uploads or downloads: it and
 * the Azure storage client it carries are most of the bundle, and a run
 * that never reaches the artifact service (a laptop, generate-only, a bad
 * input) should not parse them at start-up.
 */
export async function artifactClient(): Promise<ArtifactClient> {
  const { DefaultArtifactClient } = await import('@actions/artifact')
  return new DefaultArtifactClient()
}

/** @actions/artifact's "no such artifact", without loading it to ask. */
export function isArtifactNotFound(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ArtifactNotFoundError'
}
