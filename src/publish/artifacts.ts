import { artifactClient } from '../shared/artifact-client.js'
import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Deadline } from '../shared/deadline.js'
import { errorMessage } from '../shared/errors.js'

/** Where the run's files went: the artifact, or the folder they stay in. */
export interface ArtifactLink {
  name: string
  url?: string
  /** Where the files are when they were not uploaded. */
  localDir: string
  uploaded: boolean
  /** The files it holds (or the folder holds), by name. */
  files: string[]
}

interface UploadRequest {
  name: string
  /** Files to upload; missing ones are skipped. */
  files: string[]
  rootDir: string
  /** For a link to the artifact: `${server}/${repo}/actions/runs/${id}`. */
  runUrl?: string
  /** The artifact service is reachable (on a runner). */
  canUpload: boolean
  /** Shared by every network step after k6. */
  deadline: Deadline
}

/**
 * Upload the run's files. Never throws: an upload problem is a warning and
 * must not change the verdict, and the files stay on disk either way.
 */
export async function uploadResults(
  request: UploadRequest
): Promise<ArtifactLink> {
  const files = request.files.filter((f) => fs.existsSync(f))
  const link: ArtifactLink = {
    name: request.name,
    localDir: request.rootDir,
    uploaded: false,
    files: files.map((f) => path.relative(request.rootDir, f))
  }
  if (files.length === 0) {
    core.info('No result files to upload.')
    return link
  }
  if (!request.canUpload) {
    core.info(
      `Not on a GitHub runner (no ACTIONS_RUNTIME_TOKEN): results were not uploaded. They are in ${request.rootDir}`
    )
    return link
  }
  try {
    const client = await artifactClient()
    // One 8 MB block in flight at a time (the client's default is five):
    // results.json.gz is a few blocks at most, and five held the upload's
    // memory at 40 MB. A job that sets the variable keeps its own.
    process.env.ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY ??= '1'
    const upload = await request.deadline.race(
      // results.json.gz is compressed already, and the rest is small: the
      // zip stores them as they are instead of deflating them again.
      client.uploadArtifact(request.name, files, request.rootDir, {
        compressionLevel: 0
      })
    )
    if (!upload) {
      core.warning(
        `The results artifact '${request.name}' was not uploaded: the artifact service did not finish within the ` +
          `${request.deadline.describe()} publish-timeout. The verdict is unchanged; the files are in ${request.rootDir}.`
      )
      return link
    }
    const { id } = upload.value
    core.info(`Uploaded artifact ${request.name} (id ${id})`)
    link.uploaded = true
    if (id !== undefined && request.runUrl) {
      link.url = `${request.runUrl}/artifacts/${id}`
    }
  } catch (error) {
    core.warning(
      `Could not upload the results artifact '${request.name}': ${errorMessage(error)}. ` +
        `The verdict is unchanged; the files are in ${request.rootDir}.` +
        (/already exists|409|Conflict/i.test(errorMessage(error))
          ? ' In a matrix, give each job its own artifact-name.'
          : '')
    )
  }
  return link
}
