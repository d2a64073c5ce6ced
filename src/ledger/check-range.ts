import { InvalidInputError } from '../core/errors.js';

/** Throw InvalidInputError unless `value` is a safe integer in [min, max]. For our own callers, not verifiers. */
export function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      {
        zh: `${what} 超出范围：${value}（应在 ${min}–${max} 之间）`,
        en: `${what} out of range: ${value} (expected ${min}–${max})`,
      },
      { details: { [what]: value, min, max } },
    );
  }
}
