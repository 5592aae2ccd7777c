import {
  accessConformance,
  reserveConformance,
  storageConformance,
} from '@proofline/storage/conformance';
import { admin, dropSchema, freshSchema, open } from './fixture.js';

const fixture = async () => {
  const schema = freshSchema();
  return {
    open: () => open(schema),
    destroy: () => dropSchema(schema),
    setScopes: async (id: string, scopes: readonly string[]) => {
      await admin((c) =>
        c.query(`UPDATE "${schema}".api_keys SET scopes = $2 WHERE id = $1`, [id, [...scopes]]),
      );
    },
  };
};

storageConformance('postgres', fixture);
reserveConformance('postgres', fixture);
accessConformance('postgres', fixture);
