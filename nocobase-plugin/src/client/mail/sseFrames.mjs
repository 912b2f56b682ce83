// Server-sent events, parsed from the text a stream has delivered so far.

/** Parses complete SSE frames off `buffer`; returns [events, rest]. */
export function parseFrames(buffer) {
  const events = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let end = rest.indexOf('\n\n');
  while (end >= 0) {
    const frame = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let id = null;
    let kind = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('event:')) kind = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length) {
      try {
        events.push({ id, kind, data: JSON.parse(data.join('\n')) });
      } catch (error) {
        // Not JSON: not one of ours.
      }
    }
    end = rest.indexOf('\n\n');
  }
  return [events, rest];
}
