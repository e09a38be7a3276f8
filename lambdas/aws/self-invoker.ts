import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ServiceId } from '../core/service-id.js';
import { callService } from './call-service.js';
import { baseClientConfig, type ClientSettings } from './client-config.js';

/** Sends an event to the function itself, asynchronously: Lambda queues it, retries it, and calls back nothing. */
export type InvokeSelf = (payload: unknown) => Promise<void>;

export interface SelfInvokerInit {
  readonly service: ServiceId;
  /** The function's own name (`context.functionName`): its grant is `lambda:InvokeFunction` on exactly it. */
  readonly functionName: string;
  readonly region: string;
  readonly settings: ClientSettings;
}

/**
 * `InvokeCommand` with `InvocationType: 'Event'` through `@aws-sdk/client-lambda`, on the function's own
 * credentials. Lambda answers 202 once the event is queued; a failure is a classified `ServiceCallError`.
 */
export function selfInvoker(init: SelfInvokerInit): InvokeSelf {
  const { endpoint: _serviceEndpoint, credentials: _member, ...settings } = init.settings;
  // The SDK still honours AWS_ENDPOINT_URL_LAMBDA, which the tests and the benchmark use.
  const client = new LambdaClient({ ...baseClientConfig(settings), region: init.region });
  return async (payload) => {
    const answer = await callService(init.service, 'Invoke', undefined, () =>
      client.send(
        new InvokeCommand({
          FunctionName: init.functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      ),
    );
    if (answer.StatusCode !== 202) throw new Error(`Lambda queued no event (status ${answer.StatusCode})`);
  };
}
