import type { PairedResult, PairedUnjudged } from '../judge/paired.js'
import type { PairedSamples } from '../results/paired-samples.js'
import { formatCount, formatPercent, formatSignedShare } from './format.js'
import { formatDuration } from '../shared/duration.js'

/**
 * The paired comparison, said once near the top: what was measured, how
 * sure it is, what it could have caught, and both targets' error rates.
 */
export function renderPaired(
  result: PairedResult,
  samples: PairedSamples | undefined
): string[] {
  const errors = samples
    ? `Errors: change ${formatPercent(samples.requests.change ? samples.failed.change / samples.requests.change : 0)} of ${formatCount(samples.requests.change)}, ` +
      `reference ${formatPercent(samples.requests.reference ? samples.failed.reference / samples.requests.reference : 0)} of ${formatCount(samples.requests.reference)}.`
    : ''
  const how =
    samples?.startSkewMs === undefined
      ? 'the same requests to both, at the same moments, the order alternating'
      : `the script run twice at once, once per target; their first requests ${formatSkew(samples.startSkewMs)}, lined up`
  if (result.unjudged) {
    return [
      `**Paired with the reference** (${how}): not judged: ${unjudgedText(result.unjudged)}. ${errors}`,
      ''
    ]
  }
  const verdict = result.regression
    ? '❌ slower beyond the noise'
    : result.p < 0.05 && result.change > 0
      ? '⚠️ slower, within what a paired run can tell apart from noise'
      : '✅ no regression'
  return [
    `**Paired with the reference** (${how}): ` +
      `latency ${formatSignedShare(result.change)} (95% interval ${formatSignedShare(result.interval[0])} to ${formatSignedShare(result.interval[1])}), ${verdict}.`,
    '',
    `${result.buckets} time buckets of ${result.bucketSeconds} s paired after a ${result.warmupS.toFixed(0)} s warm-up; ` +
      `one-sided t test at a 0.5% false-alarm rate, p ${result.p < 0.0001 ? '< 0.0001' : `= ${result.p.toFixed(4)}`}; ` +
      `this run could detect a change of ${formatSignedShare(result.detectable)} or more (80% power). ${errors} ` +
      'A comparison with the baseline uses the change’s requests alone.',
    ''
  ]
}

/** Why the paired comparison could not judge, and what to do. */
function unjudgedText(unjudged: PairedUnjudged): string {
  switch (unjudged.why) {
    case 'no-target-tag':
      return 'results.json holds no request tagged with its target (target=change or reference): did the generated script run?'
    case 'no-requests':
      return `no request to the ${unjudged.target} succeeded: is it up, and does the script send to it?`
    case 'few-buckets':
      return `${unjudged.buckets} time buckets of ${unjudged.bucketSeconds} s with ${unjudged.perBucket} requests to each target; a paired comparison needs ${unjudged.needed}: run longer, or send more requests`
  }
}

function formatSkew(ms: number): string {
  const s = Math.abs(ms) / 1000
  if (s < 0.05) return 'at the same moment'
  const first = ms > 0 ? 'the reference' : 'the change'
  return `${s < 60 ? `${s.toFixed(1)} s` : formatDuration(s)} apart (${first}’s first)`
}
