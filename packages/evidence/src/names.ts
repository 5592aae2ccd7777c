/** A safe archive member name: relative, slash-separated, no empty or dot-dot segment. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._()-]*(\/[A-Za-z0-9_][A-Za-z0-9._()-]*)*$/;
const MAX_NAME_LENGTH = 255;

/** Whether `name` is acceptable as a package member name (in a ZIP, or a dropped folder). */
export function isSafeName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && SAFE_NAME.test(name) && !name.split('/').includes('..');
}
