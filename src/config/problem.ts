/** One thing wrong with a config file, as `ops config check` and `ops status` name it. (No zod here: guard imports it.) */
export interface ConfigProblem {
  /** `.ops/<file>` */
  file: string;
  /** Dotted path of the field; `(file)` when the file as a whole is unreadable or not JSON. */
  field: string;
  message: string;
}

/** `.ops/<file>: <field>: <message>`: the same words the one-line error uses. */
export const problemText = (p: ConfigProblem) => (p.field === '(file)' ? `${p.file}: ${p.message}` : `${p.file}: ${p.field}: ${p.message}`);
