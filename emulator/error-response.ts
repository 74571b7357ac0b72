/** An EC2 error response: `code` and `message` as EC2 sends them, with its HTTP status. */
export class Ec2ErrorResponse extends Error {
  override readonly name = 'Ec2ErrorResponse' as const;
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * An error of a REST JSON service (Recycle Bin, EventBridge Scheduler): `x-amzn-errortype` names the SDK's
 * exception, the body carries `Message` and, where the service has one, `Reason`.
 */
export class RestJsonErrorResponse extends Error {
  override readonly name = 'RestJsonErrorResponse' as const;
  readonly code: string;
  readonly status: number;
  readonly reason: string | undefined;

  constructor(code: string, status: number, message: string, reason?: string) {
    super(message);
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}
