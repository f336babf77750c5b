/**
 * One instance of the demo API whose speed drifts, in its own process (as
 * a service under test runs beside the load generator, not inside it):
 * each request's URL names its run's model (`seed`, `base`, `drift`,
 * `slower`, `start`), so both instances compute the same shared drift for
 * a run and their own independent part (`instance`).
 *
 *   node --import tsx __tests__/helpers/drifting-api.ts <instance 0|1>
 *
 * prints its URL on the first line and serves until killed.
 */
import { startDemoApi } from '../../demo/api.js'
import { speedModel } from './drift-model.js'

const instance = Number(process.argv[2] ?? 0) as 0 | 1
const models = new Map<string, ReturnType<typeof speedModel>>()

const api = await startDemoApi({
  delay: (url) => {
    const seed = Number(url.searchParams.get('seed'))
    const drift = Number(url.searchParams.get('drift'))
    if (!Number.isFinite(seed) || !Number.isFinite(drift)) return 0
    const key = `${seed}/${drift}`
    let model = models.get(key)
    if (!model) models.set(key, (model = speedModel(seed, drift)))
    const t = (Date.now() - Number(url.searchParams.get('start'))) / 1000
    const slower = Number(url.searchParams.get('slower') ?? 1)
    const base = Number(url.searchParams.get('base'))
    const jitter = 0.8 + Math.random() * 0.4
    const tail = Math.random() < 0.01 ? 3 + Math.random() * 7 : 1
    return base * model(instance, t) * slower * jitter * tail
  }
})
process.stdout.write(`${api.url}\n`)
