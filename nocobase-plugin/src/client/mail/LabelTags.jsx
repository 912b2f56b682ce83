// A message's or conversation's labels as small coloured tags: the user's own (names from
// the mailbox's label list). Gmail's inbox categories would tag nearly every row; they are
// left out here, as Gmail's own list leaves them out.
import { Tag } from 'antd';
import React from 'react';

export function LabelTags({ ids, labels }) {
  if (!ids || !ids.length) return null;
  const shown = labels.filter((l) => l.kind === 'user' && ids.includes(l.id));
  return (
    <span data-testid="row-labels">
      {shown.map((l) => (
        <Tag key={l.id} color={l.color || undefined} style={{ marginInlineEnd: 4, fontSize: 11, lineHeight: '16px', paddingInline: 4 }}>{l.name}</Tag>
      ))}
    </span>
  );
}
