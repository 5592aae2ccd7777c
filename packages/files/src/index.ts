/**
 * @proofline/files: the one home of durable and private file writing for the Node packages
 * (the sequencer's checkpoint guard, the witness's and the CLI's key files).
 */
export { FilesError, type FilesErrorCode } from './errors.js';
export {
  createPrivateFileOnce,
  fsyncDirectory,
  replaceFileDurably,
  writeFileDurably,
} from './durable.js';
export { checkPrivateDirectory, readPrivateFile } from './private.js';
