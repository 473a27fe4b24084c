/** One problem found in a config file, located in the file when possible. */
export interface ConfigIssue {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  /** Dotted path of the field, e.g. `trading.leverage`; empty for the whole file. */
  readonly field: string;
  readonly message: string;
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}:${i.col ?? 1}` : i.file;
  return i.field ? `${where}: ${i.field}: ${i.message}` : `${where}: ${i.message}`;
}

/** Thrown when config cannot be used; carries every issue found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/** sysexits.h EX_CONFIG: systemd and operators can tell bad config from a crash. */
export const EXIT_CONFIG = 78;
