/**
 * The fields a PATCH body actually sets. With exactOptionalPropertyTypes an absent field is
 * `undefined`, and spreading it over the current record would erase the stored value.
 */
export const definedFields = <T extends object>(patch: T): { [K in keyof T]: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as never
