/** Validation results using the OCFL 1.1 validation codes (https://ocfl.io/1.1/spec/validation-codes.html). */

export interface ValidationIssue<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** Where, relative to the storage root. */
  readonly path: string;
}

export interface ValidationResult {
  readonly valid: boolean;
  readonly errors: ValidationIssue<`E${string}`>[];
  readonly warnings: ValidationIssue<`W${string}`>[];
}

/** Alias used by callers that speak of reports (src/center). */
export type ValidationReport = ValidationResult;

/** Collects every violation (validation never stops at the first). */
export class Findings {
  readonly errors: ValidationIssue<`E${string}`>[] = [];
  readonly warnings: ValidationIssue<`W${string}`>[] = [];

  error(code: `E${string}`, path: string, message: string): void {
    this.errors.push({ code, path, message });
  }

  warn(code: `W${string}`, path: string, message: string): void {
    this.warnings.push({ code, path, message });
  }

  merge(other: ValidationResult): void {
    this.errors.push(...other.errors);
    this.warnings.push(...other.warnings);
  }

  result(): ValidationResult {
    return { valid: this.errors.length === 0, errors: this.errors, warnings: this.warnings };
  }
}
