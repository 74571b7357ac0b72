/** Powertools Tracer's surface as the functions use it, doing nothing: the bundle "without Tracer" of bench/tracer.ts. */
export class Tracer {
  captureAWSv3Client<T>(client: T): T {
    return client;
  }
  putAnnotation(): void {}
}
export const captureLambdaHandler = () => ({ before: () => undefined });
