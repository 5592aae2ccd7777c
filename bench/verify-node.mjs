/* global process, console */
/**
 * verifyBundle on Node, in its own process (see verify-core.mjs).
 *
 *   node bench/verify-node.mjs '{"bundleFile":"/tmp/b.json","logKey":"...","runs":5,"iterations":500}'
 */
import { readFileSync } from 'node:fs';
import { measureVerify } from './verify-core.mjs';

const o = JSON.parse(process.argv[2]);
const json = readFileSync(o.bundleFile, 'utf8');
const result = await measureVerify(json, o.logKey, o);
console.log(JSON.stringify({ platform: `Node ${process.version}`, ...result }));
