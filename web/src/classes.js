// The school's classes, as stored by the server (children.class_name).
// Names are localised (classes.* in the locale files): French "maternelle /
// primaire", Dutch "kleuterklas / leerjaar".
export const NURSERY = ['M1', 'M2', 'M3'];
export const PRIMARY = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];
export const CLASSES = [...NURSERY, ...PRIMARY];

/** "P3 — 3e primaire (3de leerjaar)" */
export function classLabel(code, t) {
  if (!CLASSES.includes(code)) return code || '';
  return `${code} — ${t(`classes.${code}`)}`;
}

/** Option groups for the class picker. */
export function classGroups(t) {
  return [
    { label: t('classes.nursery'), options: NURSERY.map((c) => ({ value: c, label: classLabel(c, t) })) },
    { label: t('classes.primary'), options: PRIMARY.map((c) => ({ value: c, label: classLabel(c, t) })) },
  ];
}


export const RELATIONSHIPS = ['parent', 'guardian', 'other'];

export function relationshipLabel(value, t, te) {
  if (!value) return '';
  return te(`relationships.${value}`) ? t(`relationships.${value}`) : value;
}
