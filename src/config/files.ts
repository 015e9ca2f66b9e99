/**
 * The `.ops/*.json` file names, without their schemas: for the fast paths (guard, runs list)
 * that must not load zod to find out whether there is anything to validate.
 */
export const CONFIG_FILE_NAMES = ['config.json', 'retry-policy.json', 'mask-rules.json', 'detection-rules.json', 'killswitch-rules.json'] as const;
