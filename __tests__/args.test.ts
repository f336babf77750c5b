import { describe, expect, it } from '@jest/globals'
import { formatCommand, splitArgs } from '../src/k6/args.js'

describe('splitArgs', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['   ', []],
    ['--vus 10 --duration 30s', ['--vus', '10', '--duration', '30s']],
    ['--tag "env=ci run"', ['--tag', 'env=ci run']],
    ["--tag 'env=ci run'", ['--tag', 'env=ci run']],
    ['--env A="x y"z', ['--env', 'A=x yz']],
    ['a\\ b', ['a b']],
    [`"say \\"hi\\""`, ['say "hi"']],
    [`'no $expansion $(here)'`, ['no $expansion $(here)']],
    ['"" x', ['', 'x']],
    ['--vus 1 \\\n --tag a=b', ['--vus', '1', '--tag', 'a=b']],
    ['multi\nline\targs', ['multi', 'line', 'args']],
    ['; rm -rf / | cat', [';', 'rm', '-rf', '/', '|', 'cat']]
  ])('%j', (text, expected) => {
    expect(splitArgs(text)).toEqual(expected)
  })

  it.each([
    ['--tag "open', /the double quote at column 7 is never closed/],
    ["it's", /the single quote at column 3 is never closed/],
    ['trailing\\', /a trailing backslash at column 9 escapes nothing/]
  ])('rejects %j', (text, message) => {
    expect(() => splitArgs(text)).toThrow(message)
  })
})

describe('formatCommand', () => {
  it('quotes what a shell would split, for display only', () => {
    expect(formatCommand(['k6', 'run', '--tag', 'a b', "it's", 'x.js'])).toBe(
      `k6 run --tag 'a b' 'it'\\''s' x.js`
    )
  })
})
