import { accessConformance, storageConformance } from '@proofline/storage/conformance';
import { dropSchema, freshSchema, open } from './fixture.js';

const fixture = async () => {
  const schema = freshSchema();
  return {
    open: () => open(schema),
    destroy: () => dropSchema(schema),
  };
};

storageConformance('postgres', fixture);
accessConformance('postgres', fixture);
