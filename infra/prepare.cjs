// Prepare before the snap (functions/prepare-instance.ts, statemachine/prepare-instance.asl.json): the stack's
// clean-up document, and the prepare function's role. SendCommand only to an instance opted in to a family (the
// tag CreateImage requires too) and only with the documents prepare may run: AWS-RunPatchBaseline, the clean-up
// document, and those the deployer lists (param prepareDocuments). Systems Manager User Guide, "Restricting Run
// Command access based on tags"; Service Authorization Reference, AWS Systems Manager (SendCommand: document and
// instance resources; GetCommandInvocation and DescribeInstanceInformation: no resource types).

const { arn, lambdaRole } = require('./lambda-role.cjs');
// SSM document names: 3 to 128 of letters, digits, _ - . (Systems Manager API Reference, CreateDocument).
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;

/**
 * What `clean` removes, and why: each line a shell command of the document (Linux, as root). Caches and temporary
 * files (space and stale state), shell histories and logs (what people typed and did on the source), cloud-init's
 * per-instance state (so a launched copy runs its first-boot setup as a new instance), the machine id and SSH host
 * keys (regenerated at first boot, so copies are not the same machine), and the files where long-lived
 * credentials are usually left: AWS keys (~/.aws/credentials), registry logins (~/.docker/config.json), git
 * tokens (~/.git-credentials) and passwords for other hosts (~/.netrc), for root and every user.
 */
const CLEAN_UP_COMMANDS = [
  'set -u',
  '(dnf clean all || yum clean all || apt-get clean || true) >/dev/null 2>&1',
  'rm -rf /tmp/* /var/tmp/* 2>/dev/null || true',
  'for home in /root /home/*; do rm -f "$home/.bash_history" "$home/.zsh_history" "$home/.python_history" "$home/.lesshst"; done',
  'for home in /root /home/*; do rm -f "$home/.aws/credentials" "$home/.docker/config.json" "$home/.git-credentials" "$home/.netrc"; done',
  'find /var/log -type f \\( -name "*.log" -o -name "*.gz" -o -name "*.[0-9]" \\) -exec truncate -s 0 {} + 2>/dev/null || true',
  '(journalctl --rotate && journalctl --vacuum-time=1s) >/dev/null 2>&1 || true',
  '(cloud-init clean --logs || rm -rf /var/lib/cloud/instances/*) >/dev/null 2>&1 || true',
  'rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub',
  'truncate -s 0 /etc/machine-id 2>/dev/null || true',
  'echo "ami-rotator clean-up done"',
];

const prepareResources = (stage, listed) => {
  const documents = listed
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const d of documents)
    if (!DOCUMENT_NAME.test(d) || d.startsWith('AWS-'))
      throw new Error(`prepareDocuments: expected names of your own SSM documents (3 to 128 of a-zA-Z0-9_-.), got "${d}"`);
  const cleanUp = `ami-rotator-${stage}-clean-up`;
  return {
    CleanUpDocument: {
      Type: 'AWS::SSM::Document',
      Properties: {
        Name: cleanUp,
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        UpdateMethod: 'NewVersion',
        Content: {
          schemaVersion: '2.2',
          description:
            'ami-rotator: clean the source instance before it is imaged (caches, temporary files, histories, logs, cloud-init state, machine id, SSH host keys, credential files).',
          mainSteps: [{ action: 'aws:runShellScript', name: 'cleanUp', inputs: { runCommand: CLEAN_UP_COMMANDS, timeoutSeconds: 600 } }],
        },
      },
    },
    PrepareInstanceRole: lambdaRole(stage, 'prepare-instance', [
      // The concurrency guard: which rotations of this state machine are running.
      {
        Sid: 'ListRotations',
        Effect: 'Allow',
        Action: 'states:ListExecutions',
        Resource: arn('states', `stateMachine:ami-rotator-${stage}`),
      },
      {
        Sid: 'ReadRotations',
        Effect: 'Allow',
        Action: 'states:DescribeExecution',
        Resource: arn('states', `execution:ami-rotator-${stage}:*`),
      },
      { Sid: 'ReadInstances', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'], Resource: '*' },
      { Sid: 'IsItManaged', Effect: 'Allow', Action: 'ssm:DescribeInstanceInformation', Resource: '*' },
      {
        Sid: 'OnlyOptedInInstances',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: arn('ec2', 'instance/*'),
        // Opted in: a family tag with a value (Null alone would accept an empty one, which names no family).
        Condition: { StringLike: { 'aws:ResourceTag/ami-rotator:family': '?*' } },
      },
      {
        Sid: 'OnlyThePrepareDocuments',
        Effect: 'Allow',
        // DescribeDocument: every document and its parameters are checked before the first command is sent.
        Action: ['ssm:SendCommand', 'ssm:DescribeDocument'],
        Resource: [
          arn('ssm', 'document/AWS-RunPatchBaseline', false),
          arn('ssm', `document/${cleanUp}`),
          ...documents.map((d) => arn('ssm', `document/${d}`)),
        ],
      },
      { Sid: 'ReadTheResult', Effect: 'Allow', Action: 'ssm:GetCommandInvocation', Resource: '*' },
      // A retried send finds the command this execution already sent (ListCommands), and a document past its time
      // limit is cancelled (CancelCommand): neither has a resource type (Service Authorization Reference).
      { Sid: 'FindAndCancelItsCommands', Effect: 'Allow', Action: ['ssm:ListCommands', 'ssm:CancelCommand'], Resource: '*' },
    ]),
  };
};

module.exports = async ({ options, resolveVariable }) => ({
  Resources: prepareResources(options.stage ?? 'dev', await resolveVariable('param:prepareDocuments')),
});
module.exports.prepareResources = prepareResources;
module.exports.CLEAN_UP_COMMANDS = CLEAN_UP_COMMANDS;
