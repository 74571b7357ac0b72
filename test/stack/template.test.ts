import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import validator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStates, functionFileOf, loadDefinition, loadDefinitions } from '../../local/workflow.ts';
import { readConfig } from '../../src/config.ts';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE, ROTATION_SUCCEEDED } from '../../src/lambda/metrics.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeAlertRules } from './alert-rules.ts';
import { BUILD_DIR, packageStack, type Template } from './package.ts';
import { describePermissions } from './permissions.ts';

const emulator = useEmulator();
/** Copies to eu-west-1, and to ap-southeast-2 encrypted with the deployment's key there. */
const COPY_KEY = 'arn:aws:kms:ap-southeast-2:123456789012:key/0d000000-0000-4000-8000-000000000001';
const DISTRIBUTE = { regions: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2', kmsKeyId: COPY_KEY }] };
const OPS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-pager';
let template: Template;
beforeAll(async () => {
  ({ template } = await packageStack({
    family: 'web-prod',
    instanceId: 'i-0a1b2c3d4e5f60001',
    alertEmail: 'oncall@example.com',
    timezone: 'Europe/Paris',
    opsTopicArn: OPS_TOPIC,
    startOn: JSON.stringify([{ pattern: PATCHED }]),
    bootTestInstanceRole: 'golden-test',
    distribute: JSON.stringify(DISTRIBUTE),
  }));
}, 120_000);

/** Systems Manager's notice that a Run Command (e.g. a patch baseline run) finished on an instance. */
const PATCHED = {
  source: ['aws.ssm'],
  'detail-type': ['EC2 Command Status-change Notification'],
  detail: { 'document-name': ['Acme-PatchFleet'], status: ['Success'] },
};

const FUNCTIONS = [
  'ValidateInput',
  'CreateImage',
  'CheckImage',
  'TagImage',
  'PublishImage',
  'PruneImages',
  'CleanUpImage',
  'DescribeFailure',
  'BootTest',
  'PrepareInstance',
  'CopyImage',
  'AwaitImage',
  'CompleteWait',
  'SweepWaits',
  'AwaitCommand',
  'Rollback',
  'Promote',
];
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}
const roleStatements = (): [string, Statement][] =>
  ofType('AWS::IAM::Role').flatMap(([name, role]) =>
    ((role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap((p) =>
      p.PolicyDocument.Statement.map((s): [string, Statement] => [name, s]),
    ),
  );
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the packaged stack', () => {
  it('has the functions, the state machine, the topic, the schedule, the rules and the alarms', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);

    expect(
      ofType('AWS::Lambda::Function')
        .map(([name]) => name)
        .sort(),
    ).toEqual(FUNCTIONS.map((f) => `${f}LambdaFunction`).sort());
    for (const type of [
      'AWS::StepFunctions::StateMachine',
      'AWS::SNS::Topic',
      'AWS::SNS::TopicPolicy',
      'AWS::KMS::Key',
      'AWS::Scheduler::Schedule',
      'AWS::Events::Rule',
      'AWS::CloudWatch::Alarm',
      'AWS::SQS::Queue',
      'AWS::SNS::Subscription',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('says which release it is: the description, the Version output, every function', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const functions = ofType('AWS::Lambda::Function').map(([, f]) => f.Properties);

    expect((template as { Description?: string }).Description).toBe(`ami-rotator ${version}, stage ci`);
    expect(template.Outputs?.Version).toEqual({ Value: version });
    for (const f of functions) expect((f.Environment as { Variables: Record<string, unknown> }).Variables.ROTATOR_VERSION).toBe(version);
  });

  it('runs every function on Node 24 on arm64, each with a role of its own', () => {
    const functions = ofType('AWS::Lambda::Function').map(([, f]) => f.Properties);
    // No source map is read at a cold start: a stack trace is mapped when an error is logged (src/lambda/stack-traces.ts).
    const nodeOptions = functions.map((f) =>
      String((f.Environment as { Variables: Record<string, unknown> }).Variables.NODE_OPTIONS ?? ''),
    );
    expect(nodeOptions.filter((o) => o.includes('--enable-source-maps'))).toEqual([]);

    expect(new Set(functions.map((f) => f.Runtime))).toEqual(new Set(['nodejs24.x']));
    expect(new Set(functions.map((f) => JSON.stringify(f.Architectures)))).toEqual(new Set(['["arm64"]']));
    expect(new Set(functions.map((f) => JSON.stringify(f.Role))).size).toBe(FUNCTIONS.length);
  });

  it('gives every function and every state machine a log group of its own, under its own name', () => {
    const nameOf = (id: string) => template.Resources[id]?.Properties?.LogGroupName as string | undefined;
    const functionGroups = ofType('AWS::Lambda::Function').map(([id, f]) => ({
      expected: `/aws/lambda/${f.Properties.FunctionName as string}`,
      actual: nameOf(id.replace(/LambdaFunction$/, 'LogGroup')),
    }));
    const machineGroups = ofType('AWS::StepFunctions::StateMachine').map(([, m]) => {
      type Logging = { Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }[] };
      const [destination] = (m.Properties.LoggingConfiguration as Logging).Destinations;
      return destination ? nameOf(destination.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]) : undefined;
    });

    expect(functionGroups.filter((g) => g.actual !== g.expected)).toEqual([]);
    expect(machineGroups.every((name) => name?.startsWith('/aws/vendedlogs/states/'))).toBe(true);
    const groups = ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties.LogGroupName);
    expect(groups).toHaveLength(FUNCTIONS.length + machineGroups.length);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it("embeds every state machine file: valid ASL whose Tasks call this stack's functions, topic, event bus and child workflow", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    const publish = 'arn:${AWS::Partition}:states:::sns:publish';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    const putEvents = 'arn:${AWS::Partition}:states:::events:putEvents';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    const startChild = 'arn:${AWS::Partition}:states:::states:startExecution.sync:2';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
    const callback = 'arn:${AWS::Partition}:states:::lambda:invoke.waitForTaskToken';
    const lambda = (...names: string[]) => names.map((f) => `${f}LambdaFunction`);
    const expected: Record<string, string[]> = {
      RotateAmiStateMachine: [
        ...lambda('ValidateInput', 'CreateImage', 'CopyImage', 'CleanUpImage', 'PruneImages', 'DescribeFailure'),
        'AlertTopic',
        'ImageInRegionStateMachine',
        'PrepareInstanceStateMachine',
        publish,
        putEvents,
        startChild,
      ],
      ImageInRegionStateMachine: [
        ...lambda('AwaitImage', 'CheckImage', 'TagImage', 'BootTest', 'PublishImage', 'CleanUpImage', 'DescribeFailure'),
        callback,
      ],
      PrepareInstanceStateMachine: [...lambda('PrepareInstance', 'AwaitCommand', 'DescribeFailure'), callback],
      RollbackStateMachine: [
        ...lambda('Rollback', 'DescribeFailure'),
        'AlertTopic',
        'ImageInRegionStateMachine',
        publish,
        putEvents,
        startChild,
      ],
      PromoteStateMachine: [
        ...lambda('Promote', 'DescribeFailure'),
        'AlertTopic',
        'ImageInRegionStateMachine',
        publish,
        `${publish}.waitForTaskToken`,
        putEvents,
        startChild,
      ],
    };
    expect(
      ofType('AWS::StepFunctions::StateMachine')
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(expected).sort());
    for (const [id, targets] of Object.entries(expected)) {
      const machine = template.Resources[id]?.Properties as Record<string, unknown>;
      const [body, substitutions] = (
        machine.DefinitionString as {
          'Fn::Sub': [string, Record<string, { 'Fn::GetAtt'?: [string, string]; Ref?: string; 'Fn::Sub'?: string }>];
        }
      )['Fn::Sub'];
      const definition = JSON.parse(
        body.replace(/\$\{(\w+)\}/g, (_, key: string) => `arn:aws:lambda:us-east-1:123456789012:function:${key}`),
      );

      const validation = validator(definition);
      expect(validation.errorsText('; ')).toBe('');
      expect(validation.isValid).toBe(true);
      const used = Object.values(substitutions).map((s) => s['Fn::GetAtt']?.[0] ?? s.Ref ?? s['Fn::Sub']);
      expect([id, [...new Set(used)].sort()]).toEqual([id, [...targets].sort()]);
      expect(body).not.toMatch(/arn:aws:/);
      expect(machine).toMatchObject({
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
        TracingConfiguration: { Enabled: true },
      });
    }
  });

  it('lets each state machine invoke exactly the functions its Tasks call, with its own role', () => {
    for (const id of [
      'RotateAmiStateMachine',
      'ImageInRegionStateMachine',
      'PrepareInstanceStateMachine',
      'RollbackStateMachine',
      'PromoteStateMachine',
    ]) {
      const machine = template.Resources[id]?.Properties as {
        DefinitionString: { 'Fn::Sub': [string, Record<string, { 'Fn::GetAtt'?: [string] }>] };
        RoleArn: { 'Fn::GetAtt': [string] };
      };
      const called = Object.values(machine.DefinitionString['Fn::Sub'][1])
        .map((s) => s['Fn::GetAtt']?.[0])
        .filter((name): name is string => name?.endsWith('LambdaFunction') ?? false);
      const role = machine.RoleArn['Fn::GetAtt'][0];
      const invocable = roleStatements()
        .filter(([name, s]) => name === role && actionsOf(s).includes('lambda:InvokeFunction'))
        .flatMap(([, s]) => (s.Resource as { 'Fn::GetAtt': [string] }[]).map((r) => r['Fn::GetAtt'][0]));

      expect([id, [...new Set(called)].sort()]).toEqual([id, [...new Set(invocable)].sort()]);
    }
  });

  it('lets every Lambda time out before its state does, so a timeout is retried and caught, never a bare States.Timeout', async () => {
    const definitions = (await loadDefinitions()) as Record<
      string,
      { States: Record<string, { Resource?: { 'Fn::GetAtt'?: [string] }; TimeoutSeconds?: number }> }
    >;
    const tasks = Object.values(definitions)
      .flatMap((d) => allStates(d))
      .filter(([, state]) => state.Resource?.['Fn::GetAtt']);

    const tooShort = tasks.filter(([, state]) => {
      const fn = state.Resource?.['Fn::GetAtt']?.[0] ?? '';
      const lambdaSeconds = template.Resources[fn]?.Properties.Timeout as number;
      return !((state.TimeoutSeconds ?? 0) > lambdaSeconds);
    });

    expect(tasks.length).toBeGreaterThan(15);
    expect(tooShort.map(([name]) => name)).toEqual([]);
  });

  it('grants no wildcard action, and allows no mutating EC2 action on every resource', () => {
    const statements = roleStatements();

    for (const [, s] of statements) for (const action of actionsOf(s)) expect(action).not.toContain('*');
    const mutating = statements.filter(([, s]) => s.Effect === 'Allow' && actionsOf(s).some((a) => /^ec2:(?!Describe)/.test(a)));
    for (const [, s] of mutating) expect(s.Resource).not.toBe('*');
  });

  it('encrypts the alert topic with its own key and subscribes the alert e-mail', () => {
    const topic = ofType('AWS::SNS::Topic')[0]?.[1].Properties;
    const subscription = ofType('AWS::SNS::Subscription')[0]?.[1].Properties;

    expect(topic?.KmsMasterKeyId).toEqual({ Ref: 'AlertKey' });
    expect(subscription).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('schedules the family nightly in its time zone, with retries and a dead-letter queue, and an input that passes the contract', () => {
    const schedule = ofType('AWS::Scheduler::Schedule')[0]?.[1].Properties as {
      ScheduleExpression: string;
      ScheduleExpressionTimezone: string;
      Target: { Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown };
    };

    expect(schedule).toMatchObject({ ScheduleExpression: 'cron(0 2 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris' });
    expect(schedule.Target.RetryPolicy).toBeDefined();
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } });
    expect(parseRotationRequest(JSON.parse(schedule.Target.Input), readConfig({}))).toMatchObject({
      family: 'web-prod',
      instanceId: 'i-0a1b2c3d4e5f60001',
    });
  });

  it('alerts on timed-out and aborted executions, and on failed ones that sent no alert of their own', () => {
    const rules = Object.fromEntries(
      ofType('AWS::Events::Rule')
        .filter(([id]) => !id.startsWith('RotationTrigger'))
        .map(([id, r]) => [id, r.Properties as { EventPattern: { detail: Record<string, unknown> }; Targets: { Arn: unknown }[] }]),
    );

    const waits = Object.keys(rules).filter((id) => id.includes('completeWait'));
    const waitRules = waits.map((id) => rules[id] as unknown as { EventPattern: Record<string, unknown>; Targets: { Arn: unknown }[] });
    // EC2's AMI state changes and Systems Manager's command status changes of this account only, to CompleteWait.
    expect(waitRules.map((r) => r.EventPattern)).toEqual([
      { source: ['aws.ec2'], 'detail-type': ['EC2 AMI State Change'], account: [{ Ref: 'AWS::AccountId' }] },
      { source: ['aws.ssm'], 'detail-type': ['EC2 Command Status-change Notification'], account: [{ Ref: 'AWS::AccountId' }] },
    ]);
    for (const rule of waitRules) expect(rule.Targets[0]?.Arn).toEqual({ 'Fn::GetAtt': ['CompleteWaitLambdaFunction', 'Arn'] });
    for (const id of waits) delete rules[id];
    // SweepWaits every minute (the checks between events), and nothing else on a schedule.
    const sweeps = Object.keys(rules).filter((id) => id.startsWith('SweepWaits'));
    expect(sweeps.map((id) => (rules[id] as unknown as { ScheduleExpression: string }).ScheduleExpression)).toEqual(['rate(1 minute)']);
    expect(rules[sweeps[0] ?? '']?.Targets[0]?.Arn).toEqual({ 'Fn::GetAtt': ['SweepWaitsLambdaFunction', 'Arn'] });
    for (const id of sweeps) delete rules[id];
    // A candidate's AMI Rotated event starts its promotion, with the event's detail as the input.
    expect(rules.PromotionStartRule).toMatchObject({
      EventPattern: { source: ['ami-rotator'], 'detail-type': ['AMI Rotated'], detail: { published: { channel: ['candidate'] } } },
      Targets: [{ Arn: { Ref: 'PromoteStateMachine' }, InputPath: '$.detail' }],
    });
    delete rules.PromotionStartRule;
    expect(Object.keys(rules).sort()).toEqual(['ExecutionEndedRule', 'UnalertedFailureRule']);

    expect(rules.ExecutionEndedRule?.EventPattern.detail.status).toEqual(['TIMED_OUT', 'ABORTED']);
    expect(rules.UnalertedFailureRule?.EventPattern.detail.status).toEqual(['FAILED']);
    for (const rule of Object.values(rules)) expect(rule.Targets[0]?.Arn).toEqual({ Ref: 'AlertTopic' });
  });

  it('watches the alert path itself, with the ops topic as the delivery alarm action when one is named', () => {
    const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm').map(([id, a]) => [id, a.Properties]));
    const filter = template.Resources.AlertsNotDeliveredMetricFilter?.Properties;

    expect(Object.keys(alarms).sort()).toEqual(
      ['AlertDeliveryAlarm', 'FailedExecutionsAlarm', 'FreshnessAlarmwebprod', 'ScheduleDeadLetterAlarm'].sort(),
    );
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmName).toMatch(/^ami-rotator-ci-/);
    expect(alarms.AlertDeliveryAlarm?.AlarmActions).toEqual([OPS_TOPIC]);
    expect(alarms.FailedExecutionsAlarm?.AlarmActions).toEqual([OPS_TOPIC]);
    expect(filter).toMatchObject({
      FilterPattern: expect.stringContaining('"AlertNotDelivered"'),
      LogGroupName: { Ref: 'RotateAmiExecutionLogGroup' },
    });
    expect(JSON.stringify(alarms.AlertDeliveryAlarm?.Metrics)).toContain('"MetricName":"AlertsNotDelivered"');
  });

  it('counts the events that could not be put from the state machine log, by the states their Catch leads to', async () => {
    const filter = template.Resources.EventsNotPutMetricFilter?.Properties as { FilterPattern: string } | undefined;
    const definition = (await loadDefinition()) as { States: Record<string, { Catch?: { Next: string }[]; Resource?: unknown }> };
    const catchers = Object.values(definition.States)
      .filter((state) => JSON.stringify(state.Resource ?? '').includes('events:putEvents'))
      .flatMap((state) => (state.Catch ?? []).map((c) => c.Next));

    expect(catchers.sort()).toEqual(['RecordUnannouncedFailure', 'RecordUnannouncedRotation']);
    for (const name of catchers) expect(filter?.FilterPattern).toContain(`($.details.name = "${name}")`);
    expect(filter?.FilterPattern).toContain('($.type = "PassStateEntered")');
  });

  it("starts the default rotation from the deployer's event pattern, skipping when one is already running", () => {
    const rule = template.Resources.RotationTriggerwebprod1?.Properties as {
      Name: string;
      EventPattern: unknown;
      Targets: {
        Arn: unknown;
        RoleArn: unknown;
        InputTransformer: { InputPathsMap: unknown; InputTemplate: string };
        DeadLetterConfig: unknown;
      }[];
    };

    expect(rule.Name).toBe('ami-rotator-ci-web-prod-start-1');
    expect(rule.EventPattern).toEqual(PATCHED);
    const [target] = rule.Targets;
    expect(target).toMatchObject({
      Arn: { Ref: 'RotateAmiStateMachine' },
      RoleArn: { 'Fn::GetAtt': ['EventStartRole', 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
    });
    // What EventBridge sends: the template with each <placeholder> replaced by the event's value.
    const sent = JSON.parse(
      target?.InputTransformer.InputTemplate.replace('<id>', 'e-1')
        .replace('<detailType>', 'EC2 Command Status-change Notification')
        .replace('<source>', 'aws.ssm') ?? '',
    );
    expect(parseRotationRequest(sent, readConfig({}))).toMatchObject({
      family: 'web-prod',
      instanceId: 'i-0a1b2c3d4e5f60001',
      onConflict: 'skip',
    });
    expect(sent.Comment).toBe('started by event e-1 (EC2 Command Status-change Notification from aws.ssm)');
    expect(target?.InputTransformer.InputPathsMap).toEqual({ id: '$.id', source: '$.source', detailType: '$.detail-type' });
  });

  it('has a dashboard that shows every metric the functions write, the executions by status and every alarm', () => {
    const dashboardBody = template.Resources.StackDashboard?.Properties.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] };
    const [body, variables] = dashboardBody['Fn::Sub'];
    expect(variables).toEqual({ StateMachine: { Ref: 'RotateAmiStateMachine' } });
    const dashboard = JSON.parse(body) as { widgets: { type: string; properties: { metrics?: unknown[][]; alarms?: string[] } }[] };
    const text = JSON.stringify(dashboard);
    const searched = [...text.matchAll(/MetricName=\\"(\w+)\\"/g)].map((m) => m[1]);

    expect([...new Set(searched)].sort()).toEqual(
      Object.values(METRIC)
        .filter((m) => m !== METRIC.rotationSucceeded)
        .sort(),
    );
    for (const status of ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
      expect(text).toContain(`["AWS/States","${status}","StateMachineArn","\${StateMachine}"]`);
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName as string);
    const shown = dashboard.widgets.flatMap((w) => w.properties.alarms ?? []).map((arn) => arn.split(':alarm:')[1]);
    expect(shown.sort()).toEqual(alarms.sort());
  });

  it("raises a family's freshness alarm after 26 hours without the metric that TagImage emits, missing data included", () => {
    const alarm = template.Resources.FreshnessAlarmwebprod?.Properties;

    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: ROTATION_SUCCEEDED,
      Dimensions: [
        { Name: 'service', Value: METRICS_SERVICE },
        { Name: 'family', Value: 'web-prod' },
      ],
      Period: 3600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });

  it.each(FUNCTIONS.map(functionFileOf))('keeps the %s bundle under 1 MB', async (fn) => {
    const { size } = await stat(`${BUILD_DIR}/.build/functions/${fn}.mjs`);

    expect(size).toBeLessThan(1_000_000);
  });
});

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const load = async (fn: string) =>
  ((await import(pathToFileURL(`${BUILD_DIR}/.build/functions/${fn}.mjs`).href)) as { handler: Handler }).handler;
const context = { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60_000 };

describe('the bundles Lambda runs', () => {
  it('validates an input in the validate-input bundle', async () => {
    const handler = await load('validate-input');

    const result = await handler(
      {
        input: { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' },
        execution: { id: 'arn:x', name: 'x', startTime: '2026-11-23T02:00:00Z' },
      },
      context,
    );

    expect(result).toMatchObject({ request: { family: 'web-prod' }, execution: { name: 'x' } });
  });

  it('keeps the error name that Retry and Catch match on', async () => {
    const handler = await load('validate-input');

    await expect(
      handler({ input: { family: 'bad name' }, execution: { id: 'arn:x', name: 'x', startTime: '2026-11-23T02:00:00Z' } }, context),
    ).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('reaches EC2 through AWS_ENDPOINT_URL_EC2 from the check-image bundle', async () => {
    emulator().seed({ images: [{ imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-1', creationDate: '2026-11-23T02:00:00.000Z' }] });
    const handler = await load('check-image');

    const result = await handler(
      {
        request: { wait: { initialSeconds: 120, factor: 2, maxSeconds: 600, timeoutSeconds: 14400 } },
        image: { imageId: 'ami-0aaaaaaaaaaaaaaa1', poll: 0, waitedSeconds: 120 },
      },
      context,
    );

    expect(result).toMatchObject({ state: 'available', poll: 1 });
    expect(emulator().requests.map((r) => r.action)).toEqual(['DescribeImages']);
  });
});

describe('the schedules of a stage', () => {
  const { schedulesFor } = createRequire(import.meta.url)('../../infra/schedules.cjs') as {
    schedulesFor: (
      rotations: { family: string; instanceId: string; freshnessHours?: number }[],
      stage: string,
      freshnessHours?: number,
    ) => Record<string, { Properties: Record<string, unknown> }>;
  };

  it('gives each family a schedule of its own', () => {
    const schedules = schedulesFor(
      [
        { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' },
        { family: 'db-prod', instanceId: 'i-0a1b2c3d4e5f60002' },
      ],
      'prod',
    );

    expect(Object.keys(schedules).filter((k) => k.startsWith('RotationSchedule'))).toEqual([
      'RotationSchedulewebprod',
      'RotationScheduledbprod',
    ]);
    expect(Object.keys(schedules).filter((k) => k.startsWith('FreshnessAlarm'))).toEqual(['FreshnessAlarmwebprod', 'FreshnessAlarmdbprod']);
  });

  it('refuses, naming both, two families that would share one schedule', () => {
    const both = [
      { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' },
      { family: 'web.prod', instanceId: 'i-0a1b2c3d4e5f60002' },
    ];

    expect(() => schedulesFor(both, 'prod')).toThrow('Families "web-prod" and "web.prod" would share the schedule RotationSchedulewebprod');
  });

  it("takes a family's own freshness period over the stage's, and refuses one CloudWatch cannot evaluate", () => {
    const rotations = [
      { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001', freshnessHours: 50 },
      { family: 'db-prod', instanceId: 'i-0a1b2c3d4e5f60002' },
    ];

    const alarms = schedulesFor(rotations, 'prod', 30);

    expect(alarms.FreshnessAlarmwebprod?.Properties).toMatchObject({
      EvaluationPeriods: 50,
      AlarmName: 'ami-rotator-prod-freshness-web-prod',
    });
    expect(alarms.FreshnessAlarmdbprod?.Properties).toMatchObject({ EvaluationPeriods: 30 });
    expect(() => schedulesFor(rotations, 'prod', 169)).toThrow(
      'freshnessHours of family "db-prod": expected a whole number of hours from 1 to 168, got 169',
    );
    expect(() => schedulesFor(rotations, 'prod', Number('soon'))).toThrow('got NaN');
  });
});

describe('the delivery alarms of a stage', () => {
  const { deliveryAlarms } = createRequire(import.meta.url)('../../infra/delivery-alarms.cjs') as {
    deliveryAlarms: (stage: string, opsTopicArn: string) => Record<string, { Properties: { AlarmActions?: unknown } }>;
  };

  it('falls back to the alert topic for the delivery alarm, and gives failed executions no action, without an ops topic', () => {
    const alarms = deliveryAlarms('prod', '');

    expect(alarms.AlertDeliveryAlarm?.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    expect(alarms.FailedExecutionsAlarm?.Properties.AlarmActions).toBeUndefined();
  });

  it('refuses an ops topic that is not an SNS topic ARN, naming the setting', () => {
    expect(() => deliveryAlarms('prod', 'ops@example.com')).toThrow('opsTopicArn: expected the ARN of an SNS topic');
  });
});

describePermissions(() => template);
describeAlertRules(() => template, emulator);

describe('the event starts of a stage', () => {
  const { triggersFor } = createRequire(import.meta.url)('../../infra/event-starts.cjs') as {
    triggersFor: (
      rotations: { family: string; instanceId: string; input?: object; startOn?: unknown }[],
      stage: string,
    ) => Record<string, { Properties: { Targets?: { InputTransformer: { InputTemplate: string } }[] } }>;
  };
  const inputOf = (rule: { Properties: { Targets?: { InputTransformer: { InputTemplate: string } }[] } } | undefined) =>
    JSON.parse(rule?.Properties.Targets?.[0]?.InputTransformer.InputTemplate ?? 'null');

  it('adds no start rule and no role to start rotations when no rotation is started by events: the promotion rule only', () => {
    expect(Object.keys(triggersFor([{ family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' }], 'prod')).sort()).toEqual([
      'EventStartDeadLetterPolicy',
      'PromotionStartRole',
      'PromotionStartRule',
    ]);
  });

  it("gives each pattern a rule whose input is the family's, skipping on conflict unless the pattern's input says otherwise", () => {
    const rules = triggersFor(
      [
        {
          family: 'web-prod',
          instanceId: 'i-0a1b2c3d4e5f60001',
          input: { noReboot: false },
          startOn: [{ pattern: { source: ['aws.ssm'] } }, { pattern: { source: ['my.pipeline'] }, input: { onConflict: 'fail' } }],
        },
      ],
      'prod',
    );

    expect(Object.keys(rules).sort()).toEqual([
      'EventStartDeadLetterPolicy',
      'EventStartRole',
      'PromotionStartRole',
      'PromotionStartRule',
      'RotationTriggerwebprod1',
      'RotationTriggerwebprod2',
    ]);
    expect(inputOf(rules.RotationTriggerwebprod1)).toMatchObject({ family: 'web-prod', noReboot: false, onConflict: 'skip' });
    expect(inputOf(rules.RotationTriggerwebprod2)).toMatchObject({ family: 'web-prod', onConflict: 'fail' });
  });

  it.each([
    ['no pattern', [{}]],
    ['an empty pattern', [{ pattern: {} }]],
    ['a pattern that is a list', [{ pattern: ['aws.ssm'] }]],
    ['six patterns', Array.from({ length: 6 }, () => ({ pattern: { source: ['aws.ssm'] } }))],
  ])('refuses %s, naming the family', (_what, startOn) => {
    expect(() => triggersFor([{ family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001', startOn }], 'prod')).toThrow(/family "web-prod"/);
  });
});
