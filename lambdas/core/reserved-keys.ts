/** Keys no document a user gives may hold. */

/**
 * The path of a `__proto__` key anywhere in the configuration, which zod would drop silently (an
 * unknown key must be an error). Iterative: a deeply nested document cannot overflow the stack.
 */
export function reservedKeyPath(raw: unknown): string[] | undefined {
  interface Node {
    readonly value: unknown;
    readonly key?: string;
    readonly parent?: Node;
  }
  const stack: Node[] = [{ value: raw }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node.value !== 'object' || node.value === null) continue;
    for (const key of Object.keys(node.value)) {
      const child: Node = { value: (node.value as Record<string, unknown>)[key], key, parent: node };
      if (key !== '__proto__') {
        stack.push(child);
        continue;
      }
      const path: string[] = [];
      for (let at: Node | undefined = child; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
  }
  return undefined;
}
