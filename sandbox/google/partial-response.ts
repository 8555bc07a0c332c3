import { invalidParameter } from "./errors.ts";

/**
 * The `fields` standard parameter (partial response, provider-protocols.md Part 4 preamble):
 * `items(id,start/dateTime),nextSyncToken`. Commas separate selections, `a/b` selects inside `a`,
 * `a(b,c)` selects several fields inside `a`, `*` keeps everything at that level. Arrays are filtered
 * element by element.
 */

type FieldTree = Map<string, FieldTree | true>;

export function parseFields(text: string): FieldTree {
  let position = 0;
  const parseList = (closing: string | undefined): FieldTree => {
    const tree: FieldTree = new Map();
    for (;;) {
      const match = /^[A-Za-z0-9_*@.#$-]+/.exec(text.slice(position));
      if (!match) throw invalidParameter("fields", "Invalid field selection");
      position += match[0].length;
      addSelection(tree, match[0], parseRest());
      const next = text[position];
      if (next === ",") {
        position += 1;
        continue;
      }
      if (next === closing) {
        position += closing === undefined ? 0 : 1;
        return tree;
      }
      throw invalidParameter("fields", "Invalid field selection");
    }
  };
  const parseRest = (): FieldTree | true => {
    if (text[position] === "/") {
      position += 1;
      const match = /^[A-Za-z0-9_*@.#$-]+/.exec(text.slice(position));
      if (!match) throw invalidParameter("fields", "Invalid field selection");
      position += match[0].length;
      const inner: FieldTree = new Map();
      addSelection(inner, match[0], parseRest());
      return inner;
    }
    if (text[position] === "(") {
      position += 1;
      return parseList(")");
    }
    return true;
  };
  return parseList(undefined);
}

function addSelection(tree: FieldTree, name: string, selection: FieldTree | true): void {
  const existing = tree.get(name);
  if (existing === true || selection === true || existing === undefined) {
    tree.set(name, existing === true || selection === true ? true : selection);
    return;
  }
  for (const [key, value] of selection) addSelection(existing, key, value);
}

export function applyFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((item) => applyFields(item, tree));
  if (typeof value !== "object" || value === null) return value;
  if (tree.get("*") === true) return value;
  const picked: Record<string, unknown> = {};
  for (const [key, selection] of tree) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    picked[key] = selection === true ? field : applyFields(field, selection);
  }
  return picked;
}
