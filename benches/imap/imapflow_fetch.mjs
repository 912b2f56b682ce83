// The imapflow peer of peers.mjs: logs in as an IMAP client of EmailEngine's kind would,
// and fetches what an initial sync stores of each INBOX message (UID, flags, envelope,
// structure and the whole message, which it parses for nothing), one pass over 1:*. Prints
// how many it fetched. Run by peers.mjs under /usr/bin/time.
import fs from 'node:fs';
import { ImapFlow } from 'imapflow';

const client = new ImapFlow({
  host: '127.0.0.1',
  port: Number(process.env.IMAP_PORT),
  secure: true,
  tls: { ca: fs.readFileSync(process.env.IMAP_CA), servername: 'localhost' },
  auth: { user: process.env.IMAP_USER, pass: process.env.IMAP_PASS },
  logger: false,
});
await client.connect();
const lock = await client.getMailboxLock('INBOX');
let fetched = 0;
let bytes = 0;
try {
  for await (const message of client.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, source: true })) {
    fetched += 1;
    bytes += message.source.length;
  }
} finally {
  lock.release();
}
await client.logout();
console.error(`imapflow: ${bytes} bytes`);
console.log(fetched);
