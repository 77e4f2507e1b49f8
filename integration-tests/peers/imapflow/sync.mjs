// The ImapFlow peer of `bin/imap-sync bench initial-sync --peers` (docs/performance.md, "Initial
// sync"): one folder's every message fetched whole with ImapFlow, parsed with mailparser and
// appended to a Redis stream with ioredis as a JSON document (the fields the push peers write),
// the job of the daemon's initial sync. One FETCH 1:* streams the folder (ImapFlow's own way);
// appends are not awaited one by one (ioredis pipelines them) but at most 500 are in flight.
// Prints `started`; for each `sync RUN STREAM` line on stdin one full sync on a fresh connection
// and a `synced` line (or `error`); exits on `quit` or when stdin closes.
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import Redis from 'ioredis';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { toDocument } from './document.mjs';

const { values: opts } = parseArgs({
    options: {
        host: { type: 'string' },
        port: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        folder: { type: 'string', default: 'INBOX' },
        'redis-url': { type: 'string' }
    }
});
if (!opts.host || !opts.port || !opts.user || !opts.password || !opts['redis-url']) {
    process.stderr.write('usage: sync.mjs --host H --port P --user U --password W --redis-url URL [--folder F]\n');
    process.exit(2);
}
const print = obj => process.stdout.write(JSON.stringify(obj) + '\n');
const redis = new Redis(opts['redis-url'], { lazyConnect: true });
await redis.connect();

const IN_FLIGHT = 500;

async function syncOnce(stream) {
    const client = new ImapFlow({
        host: opts.host,
        port: Number(opts.port),
        secure: false,
        auth: { user: opts.user, pass: opts.password },
        logger: false // its default logger writes to stdout, which carries our protocol
    });
    await client.connect();
    let messages = 0;
    let bytes = 0;
    let pending = [];
    try {
        await client.mailboxOpen(opts.folder, { readOnly: true });
        for await (const msg of client.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true })) {
            const parsed = await simpleParser(msg.source);
            bytes += msg.source.length;
            const doc = toDocument(opts.user, msg, parsed);
            pending.push(redis.xadd(stream, '*', 'message', JSON.stringify(doc)));
            messages++;
            if (pending.length >= IN_FLIGHT) {
                await Promise.all(pending);
                pending = [];
            }
        }
        await Promise.all(pending);
    } finally {
        await client.logout().catch(() => client.close());
    }
    return { messages, bytes };
}

print({ type: 'started', peer: 'imapflow', pid: process.pid });
const input = createInterface({ input: process.stdin });
let queue = Promise.resolve(); // one sync at a time, in the order asked
input.on('line', line => {
    const words = line.trim().split(' ');
    switch (words[0]) {
        case 'sync':
            if (words.length !== 3) {
                print({ type: 'error', message: 'usage: sync RUN STREAM' });
                break;
            }
            queue = queue.then(async () => {
                const started = performance.now();
                try {
                    const { messages, bytes } = await syncOnce(words[2]);
                    print({ type: 'synced', run: words[1], messages, bytes, seconds: (performance.now() - started) / 1000 });
                } catch (err) {
                    process.stderr.write(`imapflow sync peer: ${err.stack || err}\n`);
                    print({ type: 'error', message: `sync ${words[1]} failed: ${err.message}` });
                }
            });
            break;
        case 'quit':
            redis.disconnect();
            process.exit(0);
            break;
        case '':
            break;
        default:
            print({ type: 'error', message: `unknown command ${line.trim()}` });
    }
});
input.on('close', () => queue.then(() => process.exit(0)));
