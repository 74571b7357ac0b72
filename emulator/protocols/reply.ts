/** Writing an answer: the body with its content type and, as every AWS answer carries it, `x-amzn-requestid`. */
import type { ServerResponse } from 'node:http';

export const reply = (
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/xml;charset=UTF-8',
  headers: Record<string, string | undefined> = {},
) => {
  const extra = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
};
