import { XMLBuilder } from 'fast-xml-parser';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });
const NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** An EC2 list: `<xSet><item>...</item></xSet>`. */
export const items = <T>(values: readonly T[]): { item: T[] } => ({ item: [...values] });

export const tagSet = (tags: readonly { key: string; value: string }[]) => items(tags.map(({ key, value }) => ({ key, value })));

export const responseXml = (action: string, requestId: string, body: object): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({
    [`${action}Response`]: { '@_xmlns': NAMESPACE, requestId, ...body },
  })}`;

const AUTO_SCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** An awsQuery response (Auto Scaling): the result wrapped in `<ActionResult>`, with `ResponseMetadata`. */
export const queryResponseXml = (action: string, requestId: string, body: object, namespace = AUTO_SCALING_NAMESPACE): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({
    [`${action}Response`]: { '@_xmlns': namespace, [`${action}Result`]: body, ResponseMetadata: { RequestId: requestId } },
  })}`;

export const queryErrorXml = (code: string, message: string, requestId: string, namespace = AUTO_SCALING_NAMESPACE): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({
    ErrorResponse: { '@_xmlns': namespace, Error: { Type: 'Sender', Code: code, Message: message }, RequestId: requestId },
  })}`;

export const errorXml = (code: string, message: string, requestId: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({
    Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId },
  })}`;
