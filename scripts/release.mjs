#!/usr/bin/env node
// The release's checks and notes, for .github/workflows/release.yml and
// for a maintainer preparing one:
//
//   node scripts/release.mjs check 1.2.3   package.json is 1.2.3 and the
//                                          CHANGELOG has a dated [1.2.3]
//                                          section; prints the tags to move
//                                          (and writes them to GITHUB_OUTPUT)
//   node scripts/release.mjs notes 1.2.3   that section, for the release
//
// A version is MAJOR.MINOR.PATCH, with or without the leading v.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** `v1.2.3` or `1.2.3` → its parts; anything else is refused. */
export function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(text ?? '').trim())
  if (!match) {
    throw new Error(
      `'${text}' is not a release version: give MAJOR.MINOR.PATCH, such as 1.2.3 or v1.2.3.`
    )
  }
  const [major, minor, patch] = match.slice(1).map(Number)
  return { version: `${major}.${minor}.${patch}`, major, minor, patch }
}

/** Every released section of a Keep a Changelog file: version, date, body. */
export function changelogSections(text) {
  const sections = []
  const heading = /^## \[([^\]]+)\](?: - (\d{4}-\d\d-\d\d))?\s*$/gm
  const found = [...text.matchAll(heading)]
  found.forEach((m, i) => {
    const end = i + 1 < found.length ? found[i + 1].index : text.length
    const body = text
      .slice(m.index + m[0].length, end)
      // The link references at the end of the file are not the section's.
      .replace(/^\[[^\]]+\]: \S+\s*$/gm, '')
      .trim()
    sections.push({ version: m[1], date: m[2], body })
  })
  return sections
}

/** The notes of `version`, or an error that says what to write. */
export function releaseNotes(changelog, version) {
  const section = changelogSections(changelog).find(
    (s) => s.version === version
  )
  if (!section) {
    throw new Error(
      `CHANGELOG.md has no section for ${version}: move the [Unreleased] entries under "## [${version}] - YYYY-MM-DD".`
    )
  }
  if (!section.date) {
    throw new Error(
      `CHANGELOG.md's [${version}] section has no date: write "## [${version}] - YYYY-MM-DD".`
    )
  }
  if (!section.body) {
    throw new Error(`CHANGELOG.md's [${version}] section is empty.`)
  }
  return section.body
}

/** The release's checks; the tags it moves. */
export function checkRelease(version, files = {}) {
  const { major, minor } = parseVersion(version)
  const pkg = JSON.parse(
    files.packageJson ??
      fs.readFileSync(path.join(root, 'package.json'), 'utf8')
  )
  const wanted = parseVersion(version).version
  if (pkg.version !== wanted) {
    throw new Error(
      `package.json is at ${pkg.version}, not ${wanted}: set "version": "${wanted}" (npm version ${wanted} --no-git-tag-version) and commit it with the CHANGELOG.`
    )
  }
  releaseNotes(
    files.changelog ?? fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'),
    wanted
  )
  return { tag: `v${wanted}`, major: `v${major}`, minor: `v${major}.${minor}` }
}

function main([command, version]) {
  if (command === 'check') {
    const tags = checkRelease(version)
    const lines = Object.entries(tags).map(([k, v]) => `${k}=${v}`)
    if (process.env.GITHUB_OUTPUT) {
      fs.appendFileSync(process.env.GITHUB_OUTPUT, `${lines.join('\n')}\n`)
    }
    console.log(lines.join('\n'))
  } else if (command === 'notes') {
    const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')
    console.log(releaseNotes(changelog, parseVersion(version).version))
  } else {
    throw new Error('usage: node scripts/release.mjs check|notes <version>')
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2))
  } catch (error) {
    console.error(`release: ${error.message}`)
    process.exit(1)
  }
}
