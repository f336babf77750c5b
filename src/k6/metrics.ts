import type { MetricType } from './thresholds.js'

/**
 * k6's built-in metrics and their types (metrics/builtin.go): what a
 * threshold may name without the script defining it, and which
 * aggregations it supports.
 */
export const BUILT_IN_METRICS: Record<string, MetricType> = {
  vus: 'gauge',
  vus_max: 'gauge',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  checks: 'rate',
  group_duration: 'trend',
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
  ws_sessions: 'counter',
  ws_msgs_sent: 'counter',
  ws_msgs_received: 'counter',
  ws_ping: 'trend',
  ws_session_duration: 'trend',
  ws_connecting: 'trend',
  grpc_req_duration: 'trend',
  data_sent: 'counter',
  data_received: 'counter'
}

/**
 * The k6/browser module's metrics (k6 1.x, 2.x): Web Vitals and the
 * browser's own requests. CLS is a score, the others milliseconds.
 */
export const BROWSER_METRICS: Record<string, MetricType> = {
  browser_web_vital_lcp: 'trend',
  browser_web_vital_fcp: 'trend',
  browser_web_vital_cls: 'trend',
  browser_web_vital_inp: 'trend',
  browser_web_vital_fid: 'trend',
  browser_web_vital_ttfb: 'trend',
  browser_http_req_duration: 'trend',
  browser_http_req_failed: 'rate',
  browser_data_received: 'counter',
  browser_data_sent: 'counter'
}
