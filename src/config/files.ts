/**
 * The `.ops/*.json` file names, without their schemas: for the fast paths (guard, runs list)
 * that must not load zod to find out whether there is anything to validate.
 */
export const CONFIG_FILE_NAMES = ['config.json', 'retry-policy.json', 'mask-rules.json', 'detection-rules.json', 'killswitch-rules.json', 'schedule.json'] as const;

// The list and the schemas name the same files (checked by the compiler; types only, no zod at run time).
type Listed = (typeof CONFIG_FILE_NAMES)[number];
type Schemas = import('./schemas').ConfigFile;
const sameFiles: [Exclude<Schemas, Listed>, Exclude<Listed, Schemas>] extends [never, never] ? true : never = true;
void sameFiles;
