// The ImapFlow peer of `bin/imap-sync bench --peers` (docs/performance.md, "Peers"): one ImapFlow
// client per mailbox, all in this one Node process, INBOX opened read-only and left to auto-IDLE.
// It speaks the same JSON-line protocol as the Java peers (io.imapsync.peers.PeerMain): prints
// `started` before connecting, waits for `connect` on stdin, prints `progress` every second and
// `connected` once every mailbox is in or failed, `delivery` per message received, `memory` for
// `gc`, and exits on `quit` or when stdin closes. With --redis-url it does the daemon's whole job per
// message (fetched whole, parsed with mailparser, a JSON document appended to --stream with ioredis,
// the way EmailEngine is built) and prints no `delivery`: the driver reads the stream.
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import Redis from 'ioredis';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { toDocument } from './document.mjs';

const { values: opts } = parseArgs({
    options: {
        port: { type: 'string' },
        addresses: { type: 'string', default: '1' },
        mailboxes: { type: 'string' },
        'user-prefix': { type: 'string', default: 'user' },
        password: { type: 'string', default: 'pw' },
        'connect-concurrency': { type: 'string', default: '100' },
        'redis-url': { type: 'string' },
        stream: { type: 'string', default: 'peer:messages' }
    }
});
if (!opts.port || !opts.mailboxes) {
    process.stderr.write('usage: peer.mjs --port P --mailboxes N [--addresses K] [--connect-concurrency C]\n');
    process.exit(2);
}
const port = Number(opts.port);
const mailboxes = Number(opts.mailboxes);
const addresses = Number(opts.addresses);
const concurrency = Number(opts['connect-concurrency']);
// Connected before the baseline, as the daemon's Redis client is before its empty figures.
const redis = opts['redis-url'] ? new Redis(opts['redis-url'], { lazyConnect: true }) : null;
if (redis) {
    await redis.connect();
}

const print = obj => process.stdout.write(JSON.stringify(obj) + '\n');

// Epoch microseconds on the wall clock the simulator stamps with (Date.now() has only milliseconds).
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const STAMP = /^<?d(\d+)\./;

const heapAfterGc = () => {
    global.gc(); // needs node --expose-gc (peer.sh passes it)
    global.gc();
    return process.memoryUsage();
};

const tally = { connected: 0, failed: 0, lost: 0, firstError: null, started: 0, doneSeconds: -1 };
const clients = [];

const seconds = () => (tally.doneSeconds >= 0 ? tally.doneSeconds : (performance.now() - tally.started) / 1000);
const done = () => tally.connected + tally.failed >= mailboxes;
const progressLine = type => {
    const line = { type, connected: tally.connected, failed: tally.failed, lost: tally.lost, seconds: Math.round(seconds() * 10) / 10 };
    if (tally.firstError) {
        line.first_error = tally.firstError;
    }
    print(line);
};
const settle = () => {
    if (done() && tally.doneSeconds < 0) {
        tally.doneSeconds = (performance.now() - tally.started) / 1000;
    }
};

// A new message: fetch the envelopes of what is new (ImapFlow breaks IDLE for the FETCH and, with
// autoIdleDelay 0, enters IDLE again as soon as it is done) and time each Message-ID's stamp.
async function onExists(client, user, prevCount, count) {
    for await (const msg of client.fetch(`${prevCount + 1}:${count}`, { envelope: true })) {
        const arrived = nowMicros();
        const id = msg.envelope && msg.envelope.messageId;
        const m = id && STAMP.exec(id);
        if (m) {
            print({ type: 'delivery', user, message_id: id, latency_micros: arrived - Number(m[1]) });
        }
    }
}

// The full job: the new messages fetched whole (after the FETCH is done: ImapFlow takes no other
// command on the connection during it), each parsed and appended to the stream in turn.
async function onExistsToRedis(client, user, prevCount, count) {
    const fetched = [];
    for await (const msg of client.fetch(`${prevCount + 1}:${count}`, { uid: true, flags: true, internalDate: true, source: true })) {
        fetched.push(msg);
    }
    for (const msg of fetched) {
        const parsed = await simpleParser(msg.source);
        const doc = toDocument(user, msg, parsed);
        await redis.xadd(opts.stream, '*', 'message', JSON.stringify(doc));
    }
}

async function watch(i) {
    const user = `${opts['user-prefix']}${String(i).padStart(5, '0')}`;
    const client = new ImapFlow({
        host: `127.0.0.${1 + (i % addresses)}`, // the same spread as the daemon's benchmark
        port,
        secure: false,
        auth: { user, pass: opts.password },
        logger: false, // its default logger writes to stdout, which carries our protocol
        // IDLE again at once after each command; the default waits for 15 s of quiet, so a second
        // delivery inside that time would wait for a NOOP poll or the timer.
        autoIdleDelay: 0
    });
    let watching = false;
    client.on('error', err => {
        tally.firstError ??= `${user}: ${err.message}`;
    });
    client.on('close', () => {
        if (watching) {
            tally.lost++;
            tally.firstError ??= `${user} lost its connection`;
        }
    });
    client.on('exists', ev => {
        (redis ? onExistsToRedis : onExists)(client, user, ev.prevCount, ev.count).catch(err => {
            process.stderr.write(`imapflow peer: ${user}: fetch failed: ${err.message}\n`);
        });
    });
    await client.connect();
    await client.mailboxOpen('INBOX', { readOnly: true });
    clients.push(client);
    watching = true;
}

async function connectAll() {
    tally.started = performance.now();
    let next = 1;
    // At most `concurrency` connects in flight, as the Java peers.
    const worker = async () => {
        while (next <= mailboxes) {
            const i = next++;
            try {
                await watch(i);
                tally.connected++;
            } catch (err) {
                tally.failed++;
                tally.firstError ??= `user ${i}: ${err.message}`;
            }
            settle();
        }
    };
    const timer = setInterval(() => progressLine('progress'), 1000);
    await Promise.all(Array.from({ length: Math.min(concurrency, mailboxes) }, worker));
    clearInterval(timer);
    progressLine('connected');
}

const baseline = heapAfterGc();
print({ type: 'started', peer: 'imapflow', pid: process.pid, heap_used_bytes: baseline.heapUsed });

const input = createInterface({ input: process.stdin });
input.on('line', line => {
    switch (line.trim()) {
        case 'connect':
            connectAll();
            break;
        case 'gc': {
            const mem = heapAfterGc();
            print({ type: 'memory', heap_used_bytes: mem.heapUsed, external_bytes: mem.external, array_buffers_bytes: mem.arrayBuffers });
            break;
        }
        case 'quit':
            redis?.disconnect();
            process.exit(0);
            break;
        case '':
            break;
        default:
            print({ type: 'error', message: `unknown command ${line.trim()}` });
    }
});
input.on('close', () => process.exit(0));
