/** On/off environment variables, read without the configuration schema (see config.ts). */

/** Set to anything but 0, false, no or off (or blank) means on. */
export function switchOn(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '' && !/^(0|false|no|off)$/i.test(value.trim());
}

/** DEBUG as the CLI's error handler reads it: the configuration itself may be what failed. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return switchOn(env.DEBUG);
}
