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
