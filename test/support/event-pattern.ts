/**
 * EventBridge's matching of an event against a rule's pattern, for the operators the stack's rules use,
 * as the EventBridge User Guide states them ("Creating event patterns", "Comparison operators"): a field
 * matches when its value is one of the listed values; `prefix`, `anything-but` (a value, a list or a
 * prefix), `exists`, and `$or` of sub-patterns; every field of the pattern must match. Written from the
 * guide, independently of the rules it checks.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const matchesOne = (value: Json | undefined, present: boolean, condition: Json): boolean => {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return present && value === condition;
  if ('exists' in condition) return condition.exists === present;
  if ('prefix' in condition) return typeof value === 'string' && value.startsWith(String(condition.prefix));
  if ('anything-but' in condition) {
    const but = condition['anything-but'];
    if (!present || value === null) return false;
    if (but !== null && typeof but === 'object' && !Array.isArray(but) && 'prefix' in but)
      return typeof value === 'string' && !value.startsWith(String(but.prefix));
    return !(Array.isArray(but) ? but : [but]).includes(value as Json);
  }
  throw new Error(`operator not modelled: ${JSON.stringify(condition)}`);
};

export const matchesPattern = (event: Json, pattern: Json): boolean => {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) throw new Error('a pattern is an object');
  const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : {};
  return Object.entries(pattern).every(([key, condition]) => {
    if (key === '$or') return (condition as Json[]).some((sub) => matchesPattern(event, sub));
    const present = key in fields;
    const value = fields[key];
    if (Array.isArray(condition)) return condition.some((c) => matchesOne(value, present, c));
    return matchesPattern(value ?? null, condition);
  });
};
