/** A usage or input error: printed as one paragraph, exit code 2. */
export class UsageError extends Error {}
