import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './helpers/action.js'
import {
  changelogSections,
  checkRelease,
  releaseNotes
} from '../scripts/release.mjs'

const read = (file: string): string =>
  fs.readFileSync(path.join(ROOT, file), 'utf8')

interface Step {
  name?: string
  run?: string
  uses?: string
  if?: string
}

/** A GitHub filter pattern (`v[0-9]+.[0-9]+.[0-9]+`) as a regular expression. */
function filterPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\./g, '\\.')}$`)
}

describe('releases people can pin', () => {
  const pkg = JSON.parse(read('package.json'))
  const changelog = read('CHANGELOG.md')

  it('package.json is at the newest release of the CHANGELOG, with [Unreleased] above it', () => {
    const sections = changelogSections(changelog)
    expect(sections[0]).toMatchObject({ version: 'Unreleased' })
    const newest = sections.find((s) => s.date)
    expect(newest?.version).toBe(pkg.version)
    expect(checkRelease(pkg.version)).toEqual({
      tag: `v${pkg.version}`,
      major: `v${pkg.version.split('.')[0]}`,
      minor: `v${pkg.version.split('.').slice(0, 2).join('.')}`
    })
    // The notes are that section, the link references left out.
    const notes = releaseNotes(changelog, pkg.version)
    expect(notes).toContain('### Added')
    expect(notes).not.toMatch(/^\[\d/m)
  })

  it('refuses a release whose package.json, CHANGELOG or version disagree, saying what to write', () => {
    const files = {
      packageJson: JSON.stringify({ version: '1.2.3' }),
      changelog:
        '# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2027-01-02\n\n- A fix.\n'
    }
    expect(checkRelease('v1.2.3', files)).toEqual({
      tag: 'v1.2.3',
      major: 'v1',
      minor: 'v1.2'
    })
    expect(() => checkRelease('1.2.4', files)).toThrow(
      'package.json is at 1.2.3, not 1.2.4: set "version": "1.2.4"'
    )
    expect(() => checkRelease('v1.2', files)).toThrow(
      "'v1.2' is not a release version: give MAJOR.MINOR.PATCH"
    )
    expect(() =>
      checkRelease('1.2.3', {
        ...files,
        changelog: '## [Unreleased]\n\n- A fix.\n'
      })
    ).toThrow('CHANGELOG.md has no section for 1.2.3')
    expect(() =>
      checkRelease('1.2.3', { ...files, changelog: '## [1.2.3]\n\n- x\n' })
    ).toThrow('has no date')
    // From the command line: one line, exit code 1.
    const cli = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts', 'release.mjs'), 'check', '9.9.9'],
      { encoding: 'utf8' }
    )
    expect(cli.status).toBe(1)
    expect(cli.stderr.trim().split('\n')).toEqual([
      `release: package.json is at ${pkg.version}, not 9.9.9: set "version": "9.9.9" (npm version 9.9.9 --no-git-tag-version) and commit it with the CHANGELOG.`
    ])
  })

  it('the release workflow checks before it releases, then moves vX and vX.Y', () => {
    const workflow = parse(read('.github/workflows/release.yml'))
    const [pattern] = workflow.on.push.tags as string[]
    expect(filterPattern(pattern).test('v1.0.0')).toBe(true)
    expect(filterPattern(pattern).test('v12.3.45')).toBe(true)
    // The moved tags themselves never start a release.
    expect(filterPattern(pattern).test('v1')).toBe(false)
    expect(filterPattern(pattern).test('v1.0')).toBe(false)
    expect(workflow.on.workflow_dispatch.inputs.version.required).toBe(true)
    expect(workflow.permissions).toEqual({ contents: 'write' })

    const steps = workflow.jobs.release.steps as Step[]
    const at = (text: string): number =>
      steps.findIndex((s) => (s.run ?? '').includes(text))
    const release = at('gh release create')
    for (const check of [
      'scripts/release.mjs check',
      'git merge-base --is-ancestor',
      'npm run check-dist',
      'npm test',
      'npm run lint'
    ]) {
      expect([check, at(check)]).toEqual([check, expect.any(Number)])
      expect(at(check)).toBeGreaterThanOrEqual(0)
      expect(at(check)).toBeLessThan(release)
    }
    expect(steps[release].run).toContain('scripts/release.mjs notes')
    expect(steps[release].run).toContain('--verify-tag')
    const move = at('git push -f origin')
    expect(move).toBeGreaterThan(release)
    expect(steps[move].run).toContain('"$MAJOR"')
    expect(steps[move].run).toContain('"$MINOR"')
  })

  it('CI runs the action on ubuntu, macOS and Windows, and validate-only there', () => {
    const ci = parse(read('.github/workflows/ci.yml'))
    const job = ci.jobs.action
    const oses = new Set(
      (job.strategy.matrix.include as { os: string }[]).map((m) => m.os)
    )
    expect([...oses].sort()).toEqual([
      'macos-latest',
      'ubuntu-latest',
      'windows-latest'
    ])
    // One shell for every runner's steps.
    expect(job.defaults.run.shell).toBe('bash')
    const uses = (job.steps as (Step & { with?: Record<string, unknown> })[])
      .filter((s) => s.uses === './')
      .map((s) => s.with ?? {})
    expect(uses.some((w) => w['validate-only'] === true)).toBe(true)
  })

  it('the README says how to pin', () => {
    const readme = read('README.md')
    expect(readme).toContain('uses: org/perf-gate@v1')
    expect(readme).toContain('(docs/releases.md)')
    const docs = read('docs/releases.md')
    for (const pin of ['@v1`', '@v1.0.0`', 'sha']) expect(docs).toContain(pin)
  })
})
