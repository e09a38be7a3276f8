/**
 * The command's failures and the exit codes the AWS CLI gives the same kinds of failure, so scripts that
 * wrap `aws` can wrap `job-status` the same way.
 */

export const ExitCode = {
  OK: 0,
  /** Interrupted by SIGINT (128 + 2). */
  INTERRUPTED: 130,
  /** The command line: an unknown command or option, or a value that cannot be right. */
  BAD_PARAMETER: 252,
  /** The environment: no table name, region or credentials, an unknown profile. */
  CONFIGURATION: 253,
  /** A request reached the service and the service answered with an error (or the job is not there). */
  SERVICE: 254,
  /** Anything else, such as an endpoint that cannot be reached. */
  OTHER: 255,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the command line: printed with a pointer to `--help`. */
export class ParameterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ParameterError';
  }
}

/** Something the environment should provide and does not. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** The table answered, without the job asked for: a service-side "not found". */
export class JobNotFoundError extends Error {
  constructor(jobKey: string, tableName: string) {
    super(`No job ${jobKey} in table ${tableName}`);
    this.name = 'JobNotFoundError';
  }
}

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof ParameterError || isParseArgsError(error)) return ExitCode.BAD_PARAMETER;
  if (error instanceof ConfigurationError || isCredentialsError(error)) return ExitCode.CONFIGURATION;
  if (error instanceof JobNotFoundError || isServiceError(error)) return ExitCode.SERVICE;
  return ExitCode.OTHER;
}

/** node:util's parseArgs throws TypeErrors with `ERR_PARSE_ARGS_…` codes for unknown or malformed options. */
function isParseArgsError(error: unknown): error is TypeError {
  return (
    error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  );
}

/** The SDK's credential chain found nothing usable (or the profile named does not exist). */
function isCredentialsError(error: unknown): boolean {
  return error instanceof Error && error.name === 'CredentialsProviderError';
}

/** An error response of the service: smithy marks those with `$fault` and the HTTP status it answered. */
function isServiceError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { $fault, $metadata } = error as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return ($fault === 'client' || $fault === 'server') && typeof $metadata?.httpStatusCode === 'number';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
