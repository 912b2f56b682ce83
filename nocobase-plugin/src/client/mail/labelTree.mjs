// Labels in the order and depth a person reads them. Gmail nests a label under another by
// its name ("Clients/Acme" sits under "Clients"), so the list shows each under its parent,
// indented, by its own last part; a parent that is not itself a label still heads its
// children. The provider's own (Gmail's inbox categories) come after the user's.

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** `[{label, depth, short}]`: user labels as a tree (siblings by name), then the rest. */
export function labelTree(labels) {
  const user = labels.filter((l) => l.kind !== 'system');
  const system = labels.filter((l) => l.kind === 'system')
    .sort((a, b) => collator.compare(a.name, b.name))
    .map((label) => ({ label, depth: 0, short: label.name }));
  const parts = (label) => label.name.split('/').filter((p) => p !== '');
  // Sorting on the parts, not the whole name, keeps "A/b" under "A" ahead of "A b".
  const sorted = [...user].sort((a, b) => {
    const pa = parts(a);
    const pb = parts(b);
    for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
      const c = collator.compare(pa[i], pb[i]);
      if (c !== 0) return c;
    }
    return pa.length - pb.length;
  });
  const names = new Set(sorted.map((l) => parts(l).join('/')));
  const rows = sorted.map((label) => {
    const p = parts(label);
    // Depth counts only the ancestors that are labels here: "A/B/C" with no "A/B" label
    // sits one step under "A", and shows "B/C".
    let depth = 0;
    let from = 0;
    for (let i = 1; i < p.length; i += 1) {
      if (names.has(p.slice(0, i).join('/'))) {
        depth += 1;
        from = i;
      }
    }
    return { label, depth, short: p.length ? p.slice(from).join('/') : label.name };
  });
  return [...rows, ...system];
}
