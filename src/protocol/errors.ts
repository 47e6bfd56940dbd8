/** A malformed request: the client gets `-ERR Protocol error: <message>` and the connection closes. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(`Protocol error: ${message}`);
  }
}
