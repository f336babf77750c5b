import { K6InstallError } from '../shared/errors.js'

/** One k6 release asset, named as grafana/k6 publishes them. */
export interface ReleaseAsset {
  /** `k6-v1.3.0-linux-amd64`: the archive's name and its only folder. */
  folder: string
  /** `k6-v1.3.0-linux-amd64.tar.gz` */
  file: string
  format: 'tar.gz' | 'zip'
  /** The binary's name inside the folder. */
  binary: 'k6' | 'k6.exe'
}

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'macos',
  win32: 'windows'
}
const ARCH_NAMES: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

/** The combinations grafana/k6 builds. */
const PUBLISHED = new Set([
  'linux-amd64',
  'linux-arm64',
  'macos-amd64',
  'macos-arm64',
  'windows-amd64'
])

/** Map a runner's `process.platform`/`process.arch` to its k6 asset. */
export function releaseAsset(
  version: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch
): ReleaseAsset {
  const os = OS_NAMES[platform]
  const cpu = ARCH_NAMES[arch]
  const target = `${os}-${cpu}`
  if (!os || !cpu || !PUBLISHED.has(target)) {
    throw new K6InstallError(
      `k6 publishes no build for ${platform}/${arch}. ` +
        `Supported: ${[...PUBLISHED].join(', ')}. ` +
        'Install k6 yourself and pass its path in k6-path.'
    )
  }
  const folder = `k6-v${version}-${target}`
  const format = os === 'linux' ? 'tar.gz' : 'zip'
  return {
    folder,
    file: `${folder}.${format}`,
    format,
    binary: os === 'windows' ? 'k6.exe' : 'k6'
  }
}
