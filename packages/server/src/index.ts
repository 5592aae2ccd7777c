export { buildApp, type AppOptions } from './app.js';
export { generateApiKey, type NewApiKey } from './auth.js';
export { HttpProblem } from './problem.js';
export { type LogRuntime, type ReceiptView } from './records/service.js';
export {
  recordGroup,
  recordGroupOf,
  type BuiltRecord,
  type RecordGroup,
} from './records/record-group.js';
export { MAX_LOOKUP_RESULTS, registerLookupRoute, type LookupResult } from './lookup.js';
export { DEFAULT_WEB_ROOT, WEB_CSP, registerWebRoutes } from './web.js';
export { registerAuditRoutes, type AuditRouteOptions } from './audit-routes.js';
