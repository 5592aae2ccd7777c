export { buildApp, type AppOptions } from './app.js';
export { HttpProblem } from './problem.js';
