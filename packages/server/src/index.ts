export { buildApp, type AppOptions } from './app.js';
export { generateApiKey, type NewApiKey } from './auth.js';
export { HttpProblem } from './problem.js';
export { type LogRuntime, type ReceiptView } from './records/service.js';
export { recordGroup, recordGroupOf, type RecordGroup } from '@proofline/sequencer';
export { MAX_LOOKUP_RESULTS, registerLookupRoute, type LookupResult } from './lookup.js';
export { DEFAULT_WEB_ROOT, DOCS_CSP, WEB_CSP, registerWebRoutes } from './web.js';
export { ServerMetrics } from './metrics.js';
export { registerAuditRoutes, type AuditRouteOptions } from './audit-routes.js';
