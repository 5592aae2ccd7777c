export { buildApp, type AppOptions } from './app.js';
export { generateApiKey, type NewApiKey } from './auth.js';
export { HttpProblem, PROBLEM_STATUS, type ProblemCode } from './problem.js';
export { ServiceError, type ServiceErrorCode, type ServiceErrorDetails } from './service-error.js';
export { installErrorRoute } from './error-route.js';
export { toProblem } from './errors.js';
export { type LogRuntime } from './records/service.js';
export {
  recordGroup,
  recordGroupOf,
  type BuiltRecord,
  type RecordGroup,
} from './records/record-group.js';
export { MAX_LOOKUP_RESULTS, registerLookupRoute, type LookupResult } from './lookup.js';
export { DEFAULT_WEB_ROOT, DOCS_CSP, WEB_CSP, registerWebRoutes } from './web.js';
export { ServerMetrics } from './metrics.js';
export { registerAuditRoutes, type AuditRouteOptions } from './audit-routes.js';
