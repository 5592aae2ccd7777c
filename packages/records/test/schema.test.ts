import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CONTROL_PATTERN,
  DIGEST_PATTERN,
  LABEL_NAME_PATTERN,
  RECORD_SCHEMA,
  STATEMENT_TYPE_PATTERN,
  buildRecord,
  parseStatement,
  receiptViewSchema,
} from '../src/index.js';
import { DIGEST } from './helpers.js';

/** Runs from dist/test: the schemas live in <package>/schema. */
const read = (name: string): Schema =>
  JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as Schema;

interface Schema {
  readonly $schema?: string;
  readonly description?: string;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly pattern?: string;
  readonly const?: string;
  readonly propertyNames?: Schema;
}

const statementSchema = read('statement.v1.json');
const recordSchema = read('record.v1.json');
const STATEMENT_MEMBERS = [
  'digest',
  'type',
  'subject',
  'labels',
  'commitments',
  'controls',
  'issuer',
];

/** Every property schema, with its path, recursively. */
function* propertySchemas(schema: Schema, path = ''): Generator<[string, Schema]> {
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    yield [`${path}/${name}`, sub];
    yield* propertySchemas(sub, `${path}/${name}`);
  }
}

const pattern = (s: Schema | undefined): RegExp => new RegExp(s?.pattern ?? '(?!)', 'u');

describe('JSON Schemas', () => {
  it('are self-contained 2020-12 schemas of closed objects with the implemented members', () => {
    for (const schema of [statementSchema, recordSchema]) {
      assert.ok(!JSON.stringify(schema).includes('$ref'), 'embeddable: no references');
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(schema.additionalProperties, false);
    }
    assert.deepEqual(Object.keys(statementSchema.properties ?? {}), STATEMENT_MEMBERS);
    assert.deepEqual(statementSchema.required, ['digest', 'type']);
    assert.deepEqual(
      Object.keys(recordSchema.properties ?? {}).sort(),
      [...STATEMENT_MEMBERS, 'schema', 'tenant', 'time'].sort(),
    );
    assert.deepEqual(recordSchema.required, ['digest', 'schema', 'tenant', 'time', 'type']);
    assert.equal(recordSchema.properties?.schema?.const, RECORD_SCHEMA);
    assert.equal(recordSchema.properties?.issuer?.additionalProperties, false);
    assert.deepEqual(
      statementSchema.properties?.commitments?.propertyNames,
      statementSchema.properties?.labels?.propertyNames,
    );
    for (const name of STATEMENT_MEMBERS) {
      assert.deepEqual(recordSchema.properties?.[name], statementSchema.properties?.[name], name);
    }
  });

  it('describe every member', () => {
    for (const schema of [statementSchema, recordSchema]) {
      assert.ok(schema.description);
      for (const [path, sub] of propertySchemas(schema)) assert.ok(sub.description, path);
    }
  });

  it('have patterns that agree with the parser', () => {
    const props = statementSchema.properties ?? {};
    const cases: [RegExp, (v: string) => unknown, string[], string[]][] = [
      [
        pattern(props.digest),
        (v) => ({ digest: v }),
        [DIGEST, `sha512:${'0'.repeat(128)}`],
        [`sha256:${'A'.repeat(64)}`, 'sha256:', `${DIGEST}\n`],
      ],
      [
        pattern(props.type),
        (v) => ({ type: v }),
        ['ai.decision', 'a', `A${'/'.repeat(127)}`],
        ['', '.a', 'a b', 'a'.repeat(129)],
      ],
      [
        pattern(props.labels?.propertyNames),
        (v) => ({ labels: { [v]: 'x' } }),
        ['env', 'a.b:c/d-e_f'],
        ['', '_a', 'a b', 'a'.repeat(65)],
      ],
      [
        pattern(props.controls?.items),
        (v) => ({ controls: [v] }),
        ['HIPAA:164.312(b)', 'SOC2:PI1.4'],
        ['', '(a)', 'a b', 'a'.repeat(65)],
      ],
      [
        pattern(props.commitments?.additionalProperties as Schema),
        (v) => ({ commitments: { a: v } }),
        [DIGEST],
        [`sha384:${'0'.repeat(96)}`, 'x'],
      ],
      [
        pattern(props.subject),
        (v) => ({ subject: v }),
        ['x', '\u2028', '\u{1F600}'],
        ['\u0000', '\u0085', '\u007f', 'a\nb'],
      ],
      [
        pattern(props.issuer?.properties?.key),
        (v) => ({ issuer: { key: v, sig: `${'A'.repeat(86)}==` } }),
        ['a+0123abcd', 'log.example/x+ffffffff'],
        ['a', 'a b+0123abcd', 'a+0123ABCD', '+0123abcd', 'a+b+01234567'],
      ],
      [
        pattern(props.issuer?.properties?.sig),
        (v) => ({ issuer: { key: 'a+00000000', sig: v } }),
        [`${'A'.repeat(86)}==`],
        [`${'A'.repeat(86)}=`, `${'A'.repeat(88)}`, `${'-'.repeat(86)}==`],
      ],
    ];
    for (const [re, member, good, bad] of cases) {
      for (const v of good) {
        assert.ok(re.test(v), `${re} accepts ${v}`);
        parseStatement({ digest: DIGEST, type: 't', ...(member(v) as object) });
      }
      for (const v of bad) {
        assert.ok(!re.test(v), `${re} rejects ${JSON.stringify(v)}`);
        assert.throws(() =>
          parseStatement({ digest: DIGEST, type: 't', ...(member(v) as object) }),
        );
      }
    }
    const rprops = recordSchema.properties ?? {};
    const { record } = buildRecord({ digest: DIGEST, type: 't' }, 'acme-1', 0);
    assert.ok(pattern(rprops.tenant).test(record.tenant));
    assert.ok(pattern(rprops.time).test(record.time));
    assert.ok(!pattern(rprops.tenant).test('Acme'));
    assert.ok(!pattern(rprops.time).test('2026-11-27T03:05:00Z'));
  });
});

describe('the exported grammar and the receipt view schema', () => {
  it('the statement schema states the exported patterns', () => {
    const props = statementSchema.properties!;
    const digest = new RegExp(props.digest!.pattern!);
    for (const d of [
      DIGEST,
      `sha384:${'a'.repeat(96)}`,
      'sha256:AB',
      `sha512:${'0'.repeat(127)}`,
    ]) {
      assert.equal(DIGEST_PATTERN.test(d), digest.test(d), d);
    }
    assert.equal(props.type!.pattern, STATEMENT_TYPE_PATTERN.source);
    assert.equal(props.controls!.items!.pattern, CONTROL_PATTERN.source);
    assert.equal(props.labels!.propertyNames!.pattern, LABEL_NAME_PATTERN.source);
  });

  it('the receipt view schema requires what every view has and takes the record schema', () => {
    const record = { $ref: '#/components/schemas/Record' };
    const schema = receiptViewSchema(record) as unknown as Schema & {
      properties: Record<string, unknown>;
    };
    assert.equal(schema.properties.record, record);
    for (const member of schema.required!) assert.ok(Object.hasOwn(schema.properties, member));
    assert.ok(!schema.required!.includes('receipt') && !schema.required!.includes('receiptProof'));
    assert.equal(schema.additionalProperties, false);
  });
});
