import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 for a local stand-in: `start` listens on a free port (or the one given) and
 * returns `http://127.0.0.1:<port>`; `stop` cuts the open connections first, so that a test's teardown
 * never waits on a client's keep-alive socket.
 */
export class LoopbackServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async start(handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<string> {
    const server = createServer(handler);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
