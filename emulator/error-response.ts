/**
 * A service's refusal, the one error every action of the emulator throws: the code the service sends, its message
 * and HTTP status, and where a protocol carries more, REST JSON's `Reason` and CloudWatch's JSON shape name (the
 * query-compatible code is then `code`). Each protocol (emulator/protocols/) renders it as its service does.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError' as const;
  readonly code: string;
  readonly status: number;
  readonly reason: string | undefined;
  readonly shape: string | undefined;

  constructor(code: string, message: string, status = 400, detail: { reason?: string; shape?: string } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.reason = detail.reason;
    this.shape = detail.shape;
  }
}
