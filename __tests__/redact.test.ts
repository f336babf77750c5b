import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { SecretScan } from '../src/shared/secrets.js'
import { FIXTURES } from './helpers/action.js'
import {
  REDACTED,
  redactSetupData,
  redactSummaryFile
} from '../src/results/redact.js'

describe('redactSetupData', () => {
  it('blanks values under credential-like keys and any known secret', () => {
    const data: Record<string, unknown> = {
      metrics: {},
      setup_data: {
        started: 1795391908440,
        accessToken: 'eyJhbGciOi',
        auth: { headers: { Authorization: 'Bearer abc' } },
        users: [{ id: 'u1', password: 'hunter2' }],
        note: 'uses key sk_live_0123456789'
      }
    }
    const redacted = redactSetupData(data, ['sk_live_0123456789'])
    expect(redacted.sort()).toEqual([
      'setup_data.accessToken',
      'setup_data.auth.headers.Authorization',
      'setup_data.note',
      'setup_data.users[0].password'
    ])
    expect(data.setup_data).toEqual({
      started: 1795391908440,
      accessToken: REDACTED,
      auth: { headers: { Authorization: REDACTED } },
      users: [{ id: 'u1', password: REDACTED }],
      note: REDACTED
    })
  })

  it('leaves a summary without setup_data alone', () => {
    expect(redactSetupData({ metrics: {} })).toEqual([])
  })

  it('rewrites summary.json only when it had something to redact', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redact-'))
    const clean = path.join(dir, 'clean.json')
    const leaky = path.join(dir, 'leaky.json')
    fs.writeFileSync(clean, '{"setup_data": {"started": 1}}')
    fs.writeFileSync(leaky, '{"metrics": {}, "setup_data": {"token": "abc"}}')
    expect(redactSummaryFile(clean)).toEqual([])
    expect(fs.readFileSync(clean, 'utf8')).toBe(
      '{"setup_data": {"started": 1}}'
    )
    expect(redactSummaryFile(leaky)).toEqual(['setup_data.token'])
    expect(JSON.parse(fs.readFileSync(leaky, 'utf8'))).toEqual({
      metrics: {},
      setup_data: { token: REDACTED }
    })
  })
})

describe('SecretScan: results.json checked as the analyser reads it', () => {
  const bytes = fs.readFileSync(path.join(FIXTURES, 'pass', 'results.json'))
  // A value that is in the recorded file, standing for a secret k6 wrote.
  const inFile = 'GET /api/products/:id'
  const scan = (secrets: string[], piece: number): boolean => {
    const s = new SecretScan(secrets)
    for (let at = 0; at < bytes.length; at += piece)
      s.push(bytes.subarray(at, at + piece))
    return s.found
  }

  it.each([bytes.length, 65_536, 4093, 7, 1])(
    'finds a secret however the bytes are cut (pieces of %i)',
    (piece) => {
      expect(bytes.includes(inFile)).toBe(true)
      expect(scan(['canary-5f0c1d2e', inFile], piece)).toBe(true)
      expect(scan(['canary-5f0c1d2e'], piece)).toBe(false)
    }
  )
})
