import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogue, lookupControl, summarizeControls } from '../src/index.js';
import { CONTROL_PATTERN } from '@proofline/records';

test('the catalogue covers SOC 2, ISO 27001:2022 Annex A, HIPAA 164.312 and ISO 42001 Annex A', () => {
  const cat = catalogue();
  const count = (f: string) => [...cat.controls.values()].filter((c) => c.framework === f).length;
  assert.equal(count('ISO27001'), 93);
  assert.equal(count('ISO42001'), 38);
  assert.equal(count('HIPAA'), 12);
  assert.ok(count('SOC2') >= 38);
  assert.equal(lookupControl('SOC2:PI1.4')?.framework, 'SOC2');
  assert.equal(lookupControl('ISO27001:A.8.15')?.title, 'Logging');
  assert.equal(lookupControl('HIPAA:164.312(b)')?.title, 'Audit controls (standard)');
  assert.equal(lookupControl('ISO42001:A.6.2.8')?.title, 'AI system recording of event logs');
  assert.equal(lookupControl('ACME:internal-7'), undefined);
  for (const c of cat.controls.values()) {
    assert.match(c.id, CONTROL_PATTERN, 'a valid record control id');
    assert.ok(
      cat.frameworks.some((f) => f.id === c.framework && c.id.startsWith(f.prefix)),
      c.id,
    );
  }
});

test('the per-control view: catalogue order first, other ids after, with counts and sampled ids', () => {
  const byControl = new Map([
    ['ACME:internal-7', 2],
    ['SOC2:PI1.4', 5],
    ['SOC2:CC7.2', 1],
    ['ISO27001:A.8.15', 3],
  ]);
  const view = summarizeControls(byControl, [
    { id: 'acme-3', controls: ['SOC2:PI1.4', 'ACME:internal-7'] },
    { id: 'acme-9', controls: ['SOC2:PI1.4'] },
  ]);
  assert.deepEqual(
    view.map((c) => [c.id, c.records, c.sampled, c.title !== null]),
    [
      ['SOC2:CC7.2', 1, [], true],
      ['SOC2:PI1.4', 5, ['acme-3', 'acme-9'], true],
      ['ISO27001:A.8.15', 3, [], true],
      ['ACME:internal-7', 2, ['acme-3'], false],
    ],
  );
});
