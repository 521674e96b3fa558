/**
 * A tiny authoritative DNS server for tests (node:dgram on 127.0.0.1, a free UDP port). It
 * answers A queries for one name with the addresses the test sets, AAAA queries for it with no
 * records, and any other name with NXDOMAIN; it can be told to answer SERVFAIL instead.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

/** A running test DNS server. */
export interface TestDnsServer {
  /** "127.0.0.1:PORT", as a fleet file's `discovery.dns.server` takes it. */
  readonly server: string;
  /** Queries received so far, for waiting until a resolution has happened. */
  readonly queries: number;
  /** The IPv4 addresses the name resolves to from now on. */
  setAddresses(addresses: readonly string[]): void;
  /** Answer every query with SERVFAIL (true) or normally again (false). */
  setFailing(failing: boolean): void;
  close(): Promise<void>;
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** Offset just past the question. */
  readonly end: number;
}

function readQuestion(packet: Buffer): Question | null {
  const labels: string[] = [];
  let offset = 12;
  while (offset < packet.length) {
    const length = packet[offset] ?? 0;
    offset += 1;
    if (length === 0) break;
    // Queries never use compression pointers; anything else is garbage to drop.
    if (length > 63) return null;
    labels.push(packet.subarray(offset, offset + length).toString('ascii'));
    offset += length;
  }
  if (offset + 4 > packet.length) return null;
  return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset), end: offset + 4 };
}

function answer(query: Buffer, question: Question, rcode: number, addresses: readonly string[]): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = (query[2] ?? 0) & 0x01;
  header[2] = 0x84 | recursionDesired; // QR, authoritative
  header[3] = 0x80 | rcode; // recursion available
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(0, 6); // TTL 0: never cached
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((part, index) => {
      record[12 + index] = Number(part);
    });
    return record;
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...records]);
}

/** Starts a server for `name` with no addresses. */
export async function startTestDnsServer(name: string): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const served = name.toLowerCase().replace(/\.$/, '');
  let addresses: readonly string[] = [];
  let failing = false;
  let queries = 0;
  socket.on('message', (packet, remote) => {
    const question = packet.length >= 12 ? readQuestion(packet) : null;
    if (question === null) return;
    queries += 1;
    let reply: Buffer;
    if (failing) reply = answer(packet, question, RCODE_SERVFAIL, []);
    else if (question.name !== served) reply = answer(packet, question, RCODE_NXDOMAIN, []);
    else reply = answer(packet, question, 0, question.type === TYPE_A ? addresses : []);
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    get queries() {
      return queries;
    },
    setAddresses(next) {
      addresses = [...next];
    },
    setFailing(next) {
      failing = next;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
