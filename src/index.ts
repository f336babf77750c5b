import { run } from './main.js'

await run()
// Work abandoned at its deadline (an upload that never ended) may hold a
// socket open: everything is written, so the step ends.
setTimeout(() => process.exit(), 1000).unref()
