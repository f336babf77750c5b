// `npm run bench`: speed and memory figures. The results.json analyser
// arrives with the results engine; until then there is nothing to measure.
console.log(
  'perf-gate bench: nothing yet (the results.json analyser is not built).'
)
