/**
 * Every option of `defaults`, taken from `init` where it is set (not `undefined`), else the default.
 * Keys of `init` that `defaults` lacks are ignored.
 */
export function withDefaults<T extends object>(
  defaults: Readonly<T>,
  init: { [K in keyof T]?: T[K] | undefined },
): T {
  const resolved = { ...defaults } as T
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const value = init[key]
    if (value !== undefined) resolved[key] = value as T[keyof T]
  }
  return resolved
}
