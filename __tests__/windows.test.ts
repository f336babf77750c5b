import { describe, expect, it } from '@jest/globals'
import { parseK6Args } from '../src/action/parse.js'
import { splitArgs } from '../src/k6/args.js'
import { k6MessageLine, stackLocation } from '../src/k6/log.js'
import { relativeInside } from '../src/report/annotations.js'
import { displayPath, isInside, k6FilePath } from '../src/shared/paths.js'

// A Windows runner's workspace (GITHUB_WORKSPACE on windows-latest).
const WORKSPACE = 'D:\\a\\shop\\shop'

describe('on a Windows runner', () => {
  it('keeps the backslashes of paths in k6-args', () => {
    expect(
      splitArgs(
        '--out json=D:\\a\\shop\\shop\\out\\results.json --tag "team=web shop" -e NAME="say \\"hi\\""',
        'win32'
      )
    ).toEqual([
      '--out',
      'json=D:\\a\\shop\\shop\\out\\results.json',
      '--tag',
      'team=web shop',
      '-e',
      'NAME=say "hi"'
    ])
    // The same text on Linux is a shell's words: the backslashes escape.
    expect(splitArgs('json=D:\\a\\b', 'linux')).toEqual(['json=D:ab'])
  })

  it('accepts a results file inside the workspace and refuses one outside, naming it as written', () => {
    expect(
      parseK6Args('--out json=out\\results.json', WORKSPACE, WORKSPACE, 'win32')
    ).toEqual(['--out', 'json=out\\results.json'])
    // Drive letters and names ignore case on Windows.
    expect(
      parseK6Args(
        '-o json=d:\\A\\Shop\\shop\\r.json',
        WORKSPACE,
        WORKSPACE,
        'win32'
      )
    ).toHaveLength(2)
    expect(() =>
      parseK6Args(
        '--out json=C:\\temp\\results.json',
        WORKSPACE,
        WORKSPACE,
        'win32'
      )
    ).toThrow(
      "Input 'k6-args': --out json=C:\\temp\\results.json writes C:\\temp\\results.json, outside the workspace D:\\a\\shop\\shop"
    )
    expect(() =>
      parseK6Args('--out json=..\\..\\r.json', WORKSPACE, WORKSPACE, 'win32')
    ).toThrow('writes D:\\a\\r.json, outside the workspace')
  })

  it('shows workspace files as GitHub shows them: relative, with /', () => {
    expect(
      displayPath('D:\\a\\shop\\shop\\perf\\shop.js', WORKSPACE, 'win32')
    ).toBe('perf/shop.js')
    expect(displayPath('perf\\shop.js', WORKSPACE, 'win32')).toBe(
      'perf/shop.js'
    )
    expect(displayPath('C:\\elsewhere\\x.js', WORKSPACE, 'win32')).toBe(
      'C:\\elsewhere\\x.js'
    )
    expect(isInside('d:\\A\\SHOP\\shop\\x', WORKSPACE, 'win32')).toBe(true)
    expect(isInside('D:\\a\\shop\\shop2\\x', WORKSPACE, 'win32')).toBe(false)
  })

  it("reads k6's file URLs: messages and stack positions point into the workspace", () => {
    // k6 names a script by its file URL, with / and the drive after file:///.
    const message =
      'SyntaxError: file:///D:/a/shop/shop/perf/shop.js: Unexpected token (12:3)\n  at …'
    expect(k6MessageLine(message, WORKSPACE, 300, 'win32')).toBe(
      'SyntaxError: perf/shop.js: Unexpected token (12:3)'
    )
    const location = stackLocation(
      'TypeError: x is undefined\n\tat default (file:///D:/a/shop/shop/perf/shop.js:12:3(25))'
    )
    expect(location).toMatchObject({ line: 12, column: 3 })
    expect(k6FilePath(location?.file ?? '', 'win32')).toBe(
      'D:\\a\\shop\\shop\\perf\\shop.js'
    )
    expect(relativeInside(location?.file ?? '', WORKSPACE, 'win32')).toBe(
      'perf/shop.js'
    )
    expect(
      relativeInside('file:///C:/other/x.js', WORKSPACE, 'win32')
    ).toBeUndefined()
  })

  it('leaves Linux paths as they were', () => {
    const ws = '/home/runner/work/shop/shop'
    expect(
      k6MessageLine(
        'SyntaxError: file:///home/runner/work/shop/shop/perf/shop.js: Unexpected token',
        ws,
        300,
        'linux'
      )
    ).toBe('SyntaxError: perf/shop.js: Unexpected token')
    expect(relativeInside(`${ws}/perf/shop.js`, ws, 'linux')).toBe(
      'perf/shop.js'
    )
  })
})
