export { buildApp, type AppOptions } from './app.js';
export { generateApiKey, type NewApiKey } from './auth.js';
export { HttpProblem } from './problem.js';
export { recordGroup, type LogRuntime, type ReceiptView } from './records/service.js';
