import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { analyseResultsFile, endpointKey } from '../src/results/analyser.js'
import { redactSummaryFile, tokenShaped } from '../src/results/redact.js'
import { collectSecrets, MASK, Redactor } from '../src/shared/secrets.js'
import { envFlags } from '../src/k6/flags.js'
import { FIXTURES } from './helpers/action.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'))

describe('what perf-gate treats as a secret', () => {
  it('the token, credential-named variables, the profile’s auth, --env values and a URL’s password', () => {
    const secrets = collectSecrets({
      githubToken: 'ghs_0123456789abcdef',
      env: {
        API_TOKEN: 'canary-api-token',
        DB_PASSWORD: 'canary-password',
        PATH: '/usr/bin:/bin',
        SHORT_TOKEN: 'abc',
        SERVICE_CREDS: 'canary-creds-value'
      },
      authVariables: ['SERVICE_CREDS'],
      k6Env: envFlags([
        '--env',
        'MY_SECRET=canary-k6-arg',
        '-e',
        'REGION=eu-west-1'
      ]),
      baseUrl: 'https://load:canary-url-password@staging.example'
    })
    expect(secrets.sort()).toEqual(
      [
        'canary-api-token',
        'canary-creds-value',
        'canary-k6-arg',
        'canary-password',
        'canary-url-password',
        'ghs_0123456789abcdef'
      ].sort()
    )
  })

  it('masks a secret in text and in JSON that holds it escaped', () => {
    const r = new Redactor(['s3cr"et\\value'])
    expect(r.redact('a s3cr"et\\value b')).toBe(`a ${MASK} b`)
    expect(r.redactValue({ note: 'x s3cr"et\\value y' })).toEqual({
      note: `x ${MASK} y`
    })
  })

  it('masks a secret in a file k6 wrote, also where it straddles two pieces', async () => {
    const secret = 'canary-0123456789'
    const file = path.join(tmp, 'results.json')
    const filler = 'a'.repeat(1000)
    // The secret crosses the 1,024-byte boundary of the pieces read.
    fs.writeFileSync(
      file,
      `${filler.slice(0, 1020)}${secret}${filler}${secret}\n`
    )
    const r = new Redactor([secret])
    expect(await r.redactAnyFile(file, 1024)).toBe(true)
    const text = fs.readFileSync(file, 'utf8')
    expect(text).not.toContain(secret)
    expect(text.split(MASK)).toHaveLength(3)
    // A clean file is not rewritten.
    const clean = path.join(tmp, 'clean.json')
    fs.writeFileSync(clean, filler)
    const before = fs.statSync(clean).mtimeMs
    expect(await r.redactAnyFile(clean, 1024)).toBe(false)
    expect(fs.statSync(clean).mtimeMs).toBe(before)
  })
})

describe('URLs as endpoint names', () => {
  it('lose their query, fragment and user-info', () => {
    expect(endpointKey('http://127.0.0.1:18080/api/status?token=abc')).toBe(
      'http://127.0.0.1:18080/api/status'
    )
    expect(endpointKey('https://user:pass@h.example/x?y=1#z')).toBe(
      'https://h.example/x'
    )
    // A name tag is the script's own word for it: kept.
    expect(endpointKey('GET /api/products/:id')).toBe('GET /api/products/:id')
  })

  it('untagged requests of a real run are named by their URL, kept as k6 wrote it when it has no query', async () => {
    const down = await analyseResultsFile(
      path.join(FIXTURES, 'down', 'results.json')
    )
    expect(down.endpoints.map((e) => e.name)).toContain(
      'http://127.0.0.1:18099/nothing'
    )
  })
})

describe('what setup() returned', () => {
  it('a bare token returned from setup() (real k6 runs, every version) is redacted', () => {
    for (const version of ['v1.3.0', 'v1.6.1', 'v2.2.0']) {
      const file = path.join(tmp, `${version}-summary.json`)
      fs.copyFileSync(
        path.join(FIXTURES, version, 'setupstring', 'summary.json'),
        file
      )
      const original = JSON.parse(fs.readFileSync(file, 'utf8')).setup_data
      expect(tokenShaped(original)).toBe(true)
      expect(redactSummaryFile(file)).toEqual(['setup_data'])
      expect(fs.readFileSync(file, 'utf8')).not.toContain(original)
    }
  })

  it('leaves what is not a credential', () => {
    expect(tokenShaped('2026-12-01T10:00:00Z')).toBe(false)
    expect(tokenShaped('checkout flow')).toBe(false)
    expect(tokenShaped('Bearer abcdefghijkl')).toBe(true)
  })
})
