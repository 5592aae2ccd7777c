import { storageConformance } from '@proofline/storage/conformance';
import { dropSchema, freshSchema, open } from './fixture.js';

storageConformance('postgres', async () => {
  const schema = freshSchema();
  return {
    open: () => open(schema),
    destroy: () => dropSchema(schema),
  };
});
