/** A family name: 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit (the input contract). */
export const FAMILY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** The rule in words, as every refusal of a family name says it. */
export const FAMILY_RULE = 'expected 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit';
