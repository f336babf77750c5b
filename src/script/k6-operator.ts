import { stringify } from 'yaml'

/**
 * A k6-operator TestRun (k6.io/v1alpha1) for a sharded plan, with the
 * ConfigMap that carries the script: `parallelism` runners, each given its
 * execution segment by the operator, started together (the operator starts
 * them paused, then all at once).
 *
 * Each runner writes its results.json and summary.json to the shared
 * volume under its pod's name (Kubernetes expands `$(POD_NAME)` in the
 * container's command from its environment); the pod is `<name>-<i>-…`,
 * i its 1-based runner index, which is its shard: perf-gate's merge step
 * reads them from `shards-dir`.
 */

export const K6_OPERATOR_FILE = 'k6-testrun.yaml'
/** Where the runners write, and the claim a team provides for it. */
const RESULTS_MOUNT = '/results'
const RESULTS_CLAIM = 'perf-gate-results'

interface OperatorOptions {
  /** The TestRun's name (a DNS label): `perf-gate-load`. */
  name: string
  parallelism: number
  scriptFile: string
  scriptText: string
  /** The runners' image: `grafana/k6:1.3.0`. */
  image: string
  /** Variables the script reads: from a Secret the team creates. */
  envVars: string[]
  secretName: string
}

export function operatorManifest(options: OperatorOptions): string {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${options.name}-script` },
    data: { [options.scriptFile]: options.scriptText }
  }
  const out = (file: string): string => `${RESULTS_MOUNT}/$(POD_NAME).${file}`
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: options.name },
    spec: {
      parallelism: options.parallelism,
      // One runner per node: shards exist to spread the load.
      separate: true,
      script: {
        configMap: {
          name: `${options.name}-script`,
          file: options.scriptFile
        }
      },
      arguments: `--summary-export=${out('summary.json')} --out json=${out('results.json')}`,
      runner: {
        image: options.image,
        env: [
          {
            name: 'POD_NAME',
            valueFrom: { fieldRef: { fieldPath: 'metadata.name' } }
          },
          ...options.envVars.map((name) => ({
            name,
            valueFrom: {
              secretKeyRef: { name: options.secretName, key: name }
            }
          }))
        ],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
        volumes: [
          {
            name: 'results',
            persistentVolumeClaim: { claimName: RESULTS_CLAIM }
          }
        ]
      }
    }
  }
  return [configMap, testRun]
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n')
}
