/** The configuration error, apart from the loader so that code can name it without loading zod or yaml. */
export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`bad config: ${where}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}
